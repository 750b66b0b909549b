// npm run bench:heldout — the unsupervised tracker on held-out scenes (issue 15) from an independent
// generator (test/bench/heldout-scenes.js) written after the tracker was tuned and used to tune
// nothing. Each scene's feature cache goes through the CLI as a new user would run it
// (`track --features F -o out/ --format davis`); the masks are scored as bench:track scores its
// scenes, and a trace says where each track lived and where ids switched.
// npm run bench:heldout -- wall 2   (a kind and/or seeds: a subset)
// HELDOUT_VARIANT=no-shift npm run bench:heldout — a sensitivity variant (heldout-scenes.js).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { cli, makeTempDir } from '../fixtures.js';
import { describeHeldout, heldoutKinds, heldoutName, heldoutSeeds, writeHeldout } from './heldout-scenes.js';
import { createSceneScore, printTable } from './scene-score.js';
import { createTrace, printTrace } from './heldout-trace.js';

const args = process.argv.slice(2);
const kinds = args.some((a) => heldoutKinds.includes(a)) ? heldoutKinds.filter((k) => args.includes(k)) : heldoutKinds;
const variant = process.env.HELDOUT_VARIANT ?? 'default';
const seeds = args.some((a) => /^\d+$/.test(a)) ? args.filter((a) => /^\d+$/.test(a)).map(Number) : heldoutSeeds;

async function runScene(kind, seed) {
  const scene = describeHeldout(kind, seed, variant);
  const folder = makeTempDir(`dino-track-heldout-${kind}-${seed}-`);
  const { cache, truth, visible, blobs } = await writeHeldout(scene, folder);
  const out = path.join(folder, 'out');
  const started = Date.now();
  execFileSync(process.execPath, [cli, 'track', '--features', cache, '-o', out, '--format', 'davis', '--progress', 'none'], { stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  const score = createSceneScore(scene.width, scene.height);
  const trace = createTrace(scene, blobs);
  for (let t = 0; t < scene.frames; t++) {
    const file = `${String(t).padStart(5, '0')}.png`;
    const predicted = decode(readFileSync(path.join(out, 'masks', file))).data;
    const expected = decode(readFileSync(path.join(truth, file))).data;
    score.add(predicted, expected);
    trace.add(t, predicted, expected);
  }
  rmSync(folder, { recursive: true, force: true });
  const hiddenFrames = scene.objects.map((_, i) => visible.filter((v) => v[i] === 0).length);
  return { row: { name: heldoutName(scene), size: `${scene.width}x${scene.height}`, ...score.finish(), seconds }, trace: trace.finish(), hiddenFrames };
}

console.log(`held-out scenes (independent generator, not used for tuning; variant ${variant}): patch 16, 25 fps, dim 384, 6 heads, feature cache through the CLI`);
const rows = [];
const traces = [];
for (const kind of kinds) {
  for (const seed of seeds) {
    const { row, trace, hiddenFrames } = await runScene(kind, seed);
    rows.push(row);
    traces.push({ name: row.name, trace, hiddenFrames });
  }
}
printTable('held-out set', rows);
for (const { name, trace, hiddenFrames } of traces) printTrace(name, trace, hiddenFrames);
