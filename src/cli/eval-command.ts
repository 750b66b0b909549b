import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { createSequenceScorer, type ScoringProtocol } from '../eval/index.js';
import { readLabelFile } from '../track/index.js';

const hasPngs = (dir: string): boolean => readdirSync(dir).some((n) => n.toLowerCase().endsWith('.png'));

/** Whether `dir` is a folder with PNG masks in it or in its masks/ folder. */
function holdsMasks(dir: string): boolean {
  try {
    if (!statSync(dir).isDirectory()) return false;
    const nested = path.join(dir, 'masks');
    return hasPngs(dir) || (existsSync(nested) && statSync(nested).isDirectory() && hasPngs(nested));
  } catch {
    return false;
  }
}

/** Why a folder without masks has none, and what to give instead: a batch output, an overlay-only output. */
function explainNoMasks(dir: string, option: string): string {
  const videos = readdirSync(dir).filter((n) => !n.startsWith('.') && holdsMasks(path.join(dir, n)));
  if (videos.length > 0) return `${option} ${dir} holds no .png masks but ${videos.length} folder${videos.length > 1 ? 's' : ''} of them (a batch output, one per video); score each video's folder, e.g. ${option} ${path.join(dir, videos[0])}`;
  if (option === '--pred') return `${option} ${dir} holds no .png masks; run track with --format davis (an overlay or the other formats cannot be scored)`;
  return `${option} ${dir} holds no .png masks; give the folder of ground-truth PNGs (DAVIS: Annotations/480p/NAME)`;
}

/** A mask folder: DIR itself, or DIR/masks as `track --format davis` writes it. */
function resolveMaskDir(dir: string, option: string): string {
  if (!existsSync(dir)) throw new InputError(`${option} ${dir} does not exist; check the path`);
  if (!statSync(dir).isDirectory()) throw new InputError(`${option} ${dir} is a file, not a folder; give a folder of PNG masks${option === '--pred' ? ' (track writes them with --format davis)' : ''}`);
  const nested = path.join(dir, 'masks');
  if (!hasPngs(dir) && existsSync(nested) && hasPngs(nested)) return nested;
  if (!hasPngs(dir)) throw new InputError(explainNoMasks(dir, option));
  return dir;
}

/**
 * Frame order by the numbers in the names (00099.png before 100000.png, frame2 before frame10),
 * not by characters: id switches and the semi-supervised protocol's first and last frames follow it.
 */
const byFrameNumber = new Intl.Collator('en', { numeric: true }).compare;

/**
 * `dino-track eval --pred DIR --gt DIR`: DAVIS J and F per object and their means,
 * id switches and IDF1, over the frames the ground truth has.
 */
export async function runEval(predicted: string, truth: string, json: boolean, protocol: ScoringProtocol = 'unsupervised'): Promise<void> {
  const predictedDir = resolveMaskDir(predicted, '--pred');
  const truthDir = resolveMaskDir(truth, '--gt');
  const names = readdirSync(truthDir).filter((n) => n.toLowerCase().endsWith('.png')).sort(byFrameNumber);
  const missing = names.filter((name) => !existsSync(path.join(predictedDir, name)));
  if (missing.length === names.length) {
    const predictions = readdirSync(predictedDir).filter((n) => n.toLowerCase().endsWith('.png')).sort(byFrameNumber);
    throw new InputError(`no ground-truth mask has a prediction of the same name (ground truth ${names[0]} …, predictions ${predictions[0]} …); name them alike (track writes 00000.png, 00001.png, …)`);
  }
  // Scored as empty (nothing found there), which is right for a frame the tracker skipped and wrong for a naming slip: say which.
  if (missing.length > 0) process.stderr.write(`dino-track: ${missing.length} of ${names.length} ground-truth frames have no prediction of the same name (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ' …' : ''}); they count as empty predictions\n`);
  const scorer = createSequenceScorer(0, 0, protocol);
  for (const name of names) {
    const expected = await readLabelFile(path.join(truthDir, name), '--gt');
    const file = path.join(predictedDir, name);
    // A missing prediction frame is an empty one: the objects were not found there.
    const actual = existsSync(file) ? await readLabelFile(file, '--pred') : { ...expected, data: new Uint8Array(expected.width * expected.height) };
    if (actual.width !== expected.width || actual.height !== expected.height) {
      throw new InputError(`${file} is ${actual.width}x${actual.height} but ${path.join(truthDir, name)} is ${expected.width}x${expected.height}; masks must have the ground truth's size`);
    }
    scorer.add(actual.data, expected.data, expected.width, expected.height);
  }
  const score = scorer.finish();
  if (protocol === 'semi-supervised' && score.frames === 0) throw new InputError(`--protocol semi-supervised scores the frames between the first and the last, and ${truthDir} has ${names.length}; give at least 3 ground-truth frames, or use --protocol unsupervised`);
  if (score.perObject.length === 0) throw new InputError(`${truthDir} marks no object in any frame (only 0, background, and 255, void); nothing to score: give ground truth with objects labelled 1, 2, …`);
  if (json) {
    // An object no id was paired with has predictedId null: left undefined, JSON dropped the key (a third trial).
    const perObject = score.perObject.map((o) => ({ ...o, predictedId: o.predictedId ?? null }));
    process.stdout.write(`${JSON.stringify({ ...score, perObject, jf: (score.j + score.f) / 2, protocol })}\n`);
    return;
  }
  const fmt = (v: number): string => v.toFixed(3);
  const lines = ['object  predicted      J      F', ...score.perObject.map((o) => `${String(o.truthId).padStart(6)}  ${String(o.predictedId ?? '-').padStart(9)}  ${fmt(o.j)}  ${fmt(o.f)}`)];
  lines.push(`mean               ${fmt(score.j)}  ${fmt(score.f)}`, `J&F ${fmt((score.j + score.f) / 2)}  id switches ${score.idSwitches}  IDF1 ${fmt(score.idf1)}  frames ${score.frames}  protocol ${protocol}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
