// npm run bench:track — the tracking benchmark on randomised synthetic scenes with ground truth.
// PROMPTED=1 npm run bench:track — the same scenes in prompted mode (first frame's truth as --init-mask).
// TRACK_ARGS="--stride 5" npm run bench:track — extra arguments for every run.
// npm run bench:track -- test   (or tuning, or seeds: 201 205) — a subset.
// npm run bench:track -- 3001-3020   — seeds in neither set (a range or a list), as a table of
// their own: a fresh sample of the same families, to see what scenes nobody looked at score.
// Two disjoint seed sets (test/bench/scene-families.js): the tracker's constants were chosen
// on the tuning set only; the test set shows how they hold. Each scene's feature cache goes
// through the real CLI (`track --features … --format davis`), and the masks it writes are
// scored with DAVIS J and F, id switches, IDF1, the patch-grid oracle's J and tracks made.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { cli, makeTempDir } from '../fixtures.js';
import { describeScene, sceneName, testSeeds, tuningSeeds, writeScene } from './scene-families.js';
import { createSceneScore, printTable } from './scene-score.js';

const args = process.argv.slice(2);
const sets = { tuning: tuningSeeds, test: testSeeds };
const chosen = args.filter((a) => a in sets);
const seeds = args.flatMap((a) => {
  const range = /^(\d+)-(\d+)$/.exec(a);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, k) => Number(range[1]) + k);
  return /^\d+$/.test(a) ? [Number(a)] : [];
});
const outside = seeds.filter((s) => !tuningSeeds.includes(s) && !testSeeds.includes(s));
if (outside.length) sets.neither = outside;
const extra = process.env.TRACK_ARGS ? process.env.TRACK_ARGS.split(' ') : [];
const mode = process.env.PROMPTED === '1' ? 'prompted (first frame\'s truth as --init-mask)' : 'discovery';

async function runScene(seed) {
  const scene = describeScene(seed);
  const folder = makeTempDir(`dino-track-scene-${seed}-`);
  const { cache, truth } = await writeScene(scene, folder);
  const out = path.join(folder, 'out');
  const prompt = process.env.PROMPTED === '1' ? ['--init-mask', path.join(truth, '00000.png')] : [];
  const started = Date.now();
  execFileSync(process.execPath, [cli, 'track', '--features', cache, '-o', out, '--format', 'davis', '--progress', 'none', ...prompt, ...extra], { stdio: 'inherit' });
  const seconds = (Date.now() - started) / 1000;
  const score = createSceneScore(scene.width, scene.height);
  for (const file of readdirSync(truth).sort()) {
    score.add(decode(readFileSync(path.join(out, 'masks', file))).data, decode(readFileSync(path.join(truth, file))).data);
  }
  rmSync(folder, { recursive: true, force: true });
  return { name: sceneName(scene), size: `${scene.width}x${scene.height}`, ...score.finish(), seconds };
}

console.log(`synthetic tracking benchmark (${mode}${extra.length ? `, ${extra.join(' ')}` : ''}): patch 16, 25 fps, feature cache through the CLI`);
const summaries = {};
for (const [set, setSeeds] of Object.entries(sets)) {
  const wanted = seeds.length ? setSeeds.filter((s) => seeds.includes(s)) : chosen.length && !chosen.includes(set) ? [] : setSeeds;
  if (!wanted.length) continue;
  const rows = [];
  for (const seed of wanted) rows.push(await runScene(seed));
  summaries[set] = printTable(`${set} set (seeds ${wanted.join(', ')})`, rows);
}
if (summaries.tuning && summaries.test) {
  const gap = (key) => (summaries.test[key] - summaries.tuning[key]).toFixed(3);
  console.log(`\ngap test − tuning: J ${gap('j')}, J&F ${gap('jf')}, J/oracle ${(summaries.test.j / summaries.test.oracleJ - summaries.tuning.j / summaries.tuning.oracleJ).toFixed(3)}, id switches ${summaries.test.idSwitches - summaries.tuning.idSwitches}, exact track counts ${summaries.test.exactTracks - summaries.tuning.exactTracks}`);
}
