// node test/bench/heldout-objects.js pan 3 [window] (HELDOUT_VARIANT=… as bench:heldout) — where
// one held-out scene's J is lost: the scene goes through the CLI as in bench:heldout, each object
// is mapped to the track that covers most of it over the video (one mapping, as J's), and its J
// is printed per window of frames (default 10) beside the patch-grid oracle's, then its mean over
// the video. A window far under the oracle is where to look (heldout-proposals.js shows that
// window's regions). A diagnosis aid; it changes nothing in the tracker.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { cli, makeTempDir } from '../fixtures.js';
import { describeHeldout, writeHeldout } from './heldout-scenes.js';
import { getPatchOracle } from './scene-families.js';

const [kind = 'pan', seed = '3', windowArg = '10'] = process.argv.slice(2);
const scene = describeHeldout(kind, Number(seed), process.env.HELDOUT_VARIANT ?? 'default');
const folder = makeTempDir(`dino-track-heldout-objects-${kind}-${seed}-`);

/** The label maps of every frame: the CLI's, the truth's and the oracle's. */
async function readLabels() {
  const { cache, truth } = await writeHeldout(scene, folder);
  const out = path.join(folder, 'out');
  execFileSync(process.execPath, [cli, 'track', '--features', cache, '-o', out, '--format', 'davis', '--progress', 'none', '--refine', 'none']);
  const frames = [];
  for (let t = 0; t < scene.frames; t++) {
    const file = `${String(t).padStart(5, '0')}.png`;
    const expected = decode(readFileSync(path.join(truth, file))).data;
    frames.push({ predicted: decode(readFileSync(path.join(out, 'masks', file))).data, expected, oracle: getPatchOracle(expected, scene.width, scene.height) });
  }
  return frames;
}

/** Object → track, greedily by pixels shared over the whole video. */
function mapObjects(frames) {
  const shared = new Map();
  for (const { predicted, expected } of frames) {
    for (let i = 0; i < expected.length; i++) {
      if (!expected[i] || !predicted[i]) continue;
      const key = `${expected[i]},${predicted[i]}`;
      shared.set(key, (shared.get(key) ?? 0) + 1);
    }
  }
  const mapping = new Map();
  for (const [key] of [...shared].sort((a, b) => b[1] - a[1])) {
    const [object, track] = key.split(',').map(Number);
    if (!mapping.has(object) && ![...mapping.values()].includes(track)) mapping.set(object, track);
  }
  return mapping;
}

/** IoU of label `a` in `first` and label `b` in `second`; 1 when both are empty. */
function getIou(first, a, second, b) {
  let [both, either] = [0, 0];
  for (let i = 0; i < first.length; i++) {
    const [x, y] = [first[i] === a, second[i] === b];
    if (x && y) both++;
    if (x || y) either++;
  }
  return either ? both / either : 1;
}

const frames = await readLabels();
rmSync(folder, { recursive: true, force: true });
const mapping = mapObjects(frames);
const window = Number(windowArg);
console.log(`${kind}-${seed}: J / oracle J per ${window} frames, then over the video (object → track: ${[...mapping].map(([o, t]) => `${o} → ${t}`).join(', ')})`);
for (const object of [...new Set(scene.objects.map((_, i) => i + 1))]) {
  const track = mapping.get(object) ?? -1;
  const cells = [];
  let [sumJ, sumOracle] = [0, 0];
  for (let start = 0; start < frames.length; start += window) {
    const part = frames.slice(start, start + window);
    const j = part.reduce((s, f) => s + getIou(f.predicted, track, f.expected, object), 0);
    const oracle = part.reduce((s, f) => s + getIou(f.oracle, object, f.expected, object), 0);
    [sumJ, sumOracle] = [sumJ + j, sumOracle + oracle];
    cells.push(`${(j / part.length).toFixed(2)}/${(oracle / part.length).toFixed(2)}`);
  }
  console.log(`object ${object} (track ${track}): ${cells.join(' ')}  mean ${(sumJ / frames.length).toFixed(3)}/${(sumOracle / frames.length).toFixed(3)}`);
}
