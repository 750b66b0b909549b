// Prompts on several frames (issue 18), on the six fixed synthetic scenes (synthetic-scenes.js);
// the tracking benchmark itself, on randomised tuning and test sets, is test/bench/track.js.
// PROMPTS=first|after-occlusion|middle npm run bench:prompts — prompted mode from --prompts: the truth of
// frame 0; of frame 0 and the first frame after each occlusion (then each object's J before the
// occlusion and after its correction is printed too); of the middle frame only (backwards + forwards).
// Each scene's feature cache goes through the real CLI (`track --features … --format davis`),
// and the masks it writes are scored with DAVIS J and F, id switches and IDF1.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { createSequenceScorer } from '../../dist/eval/index.js';
import { cli, makeTempDir } from '../fixtures.js';
import { findOcclusions, getAreas, getObjectJ, getPromptFrames } from './prompt-frames.js';
import { frameHeight, frameWidth, scenes, writeScene } from './synthetic-scenes.js';

const only = process.argv.slice(2);
const extra = process.env.TRACK_ARGS ? process.env.TRACK_ARGS.split(' ') : [];
const rows = [];
const corrections = [];
const mode = process.env.PROMPTS;
const readPng = (file) => decode(readFileSync(file)).data;
for (const name of Object.keys(scenes)) {
  if (only.length && !only.includes(name)) continue;
  const folder = makeTempDir(`dino-track-scene-${name}-`);
  const { cache, truth } = await writeScene(name, folder);
  const out = path.join(folder, 'out');
  const started = Date.now();
  // PROMPTED=1: prompted mode from the first frame's ground truth (DINO's protocol) instead of discovery.
  let prompt = process.env.PROMPTED === '1' ? ['--init-mask', path.join(truth, '00000.png')] : [];
  const truthFiles = readdirSync(truth).sort();
  const occlusions = mode ? findOcclusions(getAreas(truthFiles.map((f) => readPng(path.join(truth, f))))) : [];
  const promptFrames = mode ? getPromptFrames(mode, truthFiles.length, occlusions) : [];
  if (mode) {
    const dir = path.join(folder, 'prompts');
    mkdirSync(dir);
    for (const t of promptFrames) copyFileSync(path.join(truth, truthFiles[t]), path.join(dir, truthFiles[t]));
    prompt = ['--prompts', dir];
  }
  execFileSync(process.execPath, [cli, 'track', '--features', cache, '-o', out, '--format', 'davis', '--progress', 'none', ...prompt, ...extra], { stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  const scorer = createSequenceScorer(frameWidth, frameHeight);
  for (const file of readdirSync(truth).sort()) {
    scorer.add(decode(readFileSync(path.join(out, 'masks', file))).data, decode(readFileSync(path.join(truth, file))).data);
  }
  const score = scorer.finish();
  rows.push({ name, ...score, seconds, prompts: promptFrames.join(' ') });
  if (mode === 'after-occlusion') {
    const predictions = truthFiles.map((f) => readPng(path.join(out, 'masks', f)));
    const truths = truthFiles.map((f) => readPng(path.join(truth, f)));
    let previousEnd = new Map();
    for (const { id, start, end } of occlusions) {
      const next = occlusions.find((o) => o.id === id && o.start > end)?.start ?? truths.length;
      const from = previousEnd.get(id) ?? 0;
      // Prompted frames are truth, so neither interval counts them: before = after the previous prompt until hidden.
      corrections.push({ name, id, before: getObjectJ(predictions, truths, id, from + 1, start), hidden: `${start}-${end - 1}`, prompt: end, after: getObjectJ(predictions, truths, id, end + 1, next) });
      previousEnd.set(id, end);
    }
  }
}

const fmt = (v) => v.toFixed(3);
console.log(`\nsynthetic tracking benchmark: ${frameWidth}x${frameHeight} frames, patch 16, feature cache through the CLI${mode ? `, PROMPTS=${mode}` : ''}`);
console.log(['scene'.padEnd(16), 'frames', '    J', '    F', '  J&F', 'id sw', ' IDF1', 'track s', ...(mode ? ['prompted frames'] : [])].join('  '));
for (const r of rows) {
  console.log([r.name.padEnd(16), String(r.frames).padStart(6), fmt(r.j), fmt(r.f), fmt((r.j + r.f) / 2), String(r.idSwitches).padStart(5), fmt(r.idf1), r.seconds.toFixed(1).padStart(7), ...(mode ? [r.prompts] : [])].join('  '));
}
const mean = (key) => rows.reduce((s, r) => s + r[key], 0) / rows.length;
console.log(['mean'.padEnd(16), ''.padStart(6), fmt(mean('j')), fmt(mean('f')), fmt((mean('j') + mean('f')) / 2), String(rows.reduce((s, r) => s + r.idSwitches, 0)).padStart(5), fmt(mean('idf1'))].join('  '));
if (corrections.length) {
  console.log('\nper object: J from the frame after the previous prompt until it is partly hidden, hidden frames (under 90% visible, some under 50%), J after the prompt on the first frame fully back');
  for (const c of corrections) console.log(`${c.name.padEnd(16)} object ${c.id}  J before ${fmt(c.before)}  hidden ${c.hidden.padEnd(7)}  prompt ${String(c.prompt).padStart(3)}  J after ${fmt(c.after)}  ${c.after >= c.before ? 'ok' : 'BELOW'}`);
}
