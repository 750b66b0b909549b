// npm run bench:pixels — pixel refinement on rendered videos with pixel ground truth.
// Each scene (test/bench/rendered-scenes.js) is rendered to an H.264 video with DAVIS ground
// truth; the real CLI tracks it with the designed ViT (fixtures/models/designed-p16.onnx,
// DINO's architecture, weights from fixtures/generate_designed_vit.py):
// `track VIDEO --model designed-p16.onnx --short-side LINES --format davis --refine none|guided`
// (decoding, preparation, model, tracker, refinement, PNG writing), and
// `dino-track eval --json` scores the PNGs.
// SET=tune|test|all (default test), LINES=480,240, REFINE=none,guided, node test/bench/pixels.js [scene …]
// PROMPTED=1: prompted mode, the first frame's truth as --init-mask (as bench:track does).
// FEATURES=cache: the JS-made DINO-like feature caches instead of the model (`--features CACHE`).
// MODEL=file.onnx: another model.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { cli, makeTempDir, root } from '../fixtures.js';
import { probeScenes, scenes, writeRenderedScene } from './rendered-scenes.js';

const only = process.argv.slice(2);
const set = process.env.SET ?? 'test';
const lineList = (process.env.LINES ?? '480,240').split(',').map(Number);
const modes = (process.env.REFINE ?? 'none,guided').split(',');
/** A truth object counts as found when its matched track covers it at least this well (mean J): a track that grazes it in a few frames has not found it. */
const foundJaccard = 0.1;
const extra = process.env.TRACK_ARGS ? process.env.TRACK_ARGS.split(' ') : [];
const useCaches = process.env.FEATURES === 'cache';
const model = process.env.MODEL ?? path.join(root, 'fixtures/models/designed-p16.onnx');
/** What the CLI tracks from at one short side: the model, or that size's feature cache. */
const getSource = (caches, lines) => (useCaches ? ['--features', caches[lines]] : ['--model', model, '--short-side', String(lines)]);

/** Predicted area / true area of each found truth object under eval's id mapping, summed over frames; their mean (missed objects are counted apart). */
function getAreaRatio(out, truth, found) {
  const predicted = new Map(found.map((o) => [o.truthId, o.predictedId]));
  const areas = new Map([...predicted.keys()].map((id) => [id, { truth: 0, predicted: 0 }]));
  for (const file of readdirSync(truth).sort()) {
    const t = decode(readFileSync(path.join(truth, file))).data;
    const p = decode(readFileSync(path.join(out, 'masks', file))).data;
    for (let i = 0; i < t.length; i++) {
      if (t[i] && areas.has(t[i])) areas.get(t[i]).truth++;
      for (const [truthId, id] of predicted) if (id !== undefined && p[i] === id) areas.get(truthId).predicted++;
    }
  }
  const ratios = [...areas.values()].map((a) => a.predicted / a.truth);
  return ratios.reduce((s, r) => s + r, 0) / ratios.length;
}

/** Distinct ids in a run's DAVIS masks: the tracks it made. */
function countTracks(out) {
  const ids = new Set();
  for (const file of readdirSync(path.join(out, 'masks'))) for (const id of decode(readFileSync(path.join(out, 'masks', file))).data) if (id) ids.add(id);
  return ids.size;
}

const rows = [];
for (const [name, scene] of Object.entries({ ...scenes, ...probeScenes })) {
  if (only.length ? !only.includes(name) : scene.set === 'probe' || (set !== 'all' && scene.set !== set)) continue;
  const folder = makeTempDir(`dino-track-pixels-${name}-`);
  const { video, truth, caches } = await writeRenderedScene(name, folder, useCaches ? lineList : []);
  for (const lines of lineList) {
    for (const refine of modes) {
      const out = path.join(folder, `out-${lines}-${refine}`);
      const started = Date.now();
      const prompt = process.env.PROMPTED === '1' ? ['--init-mask', path.join(truth, '00000.png')] : [];
      execFileSync(process.execPath, [cli, 'track', video, ...getSource(caches, lines), '-o', out, '--format', 'davis', '--progress', 'none', '--refine', refine, ...prompt, ...extra], { stdio: 'inherit' });
      const seconds = (Date.now() - started) / 1000;
      const score = JSON.parse(execFileSync(process.execPath, [cli, 'eval', '--pred', out, '--gt', truth, '--protocol', 'idf1', '--json'], { encoding: 'utf8' }));
      const found = score.perObject.filter((o) => o.predictedId !== undefined && o.j >= foundJaccard);
      const missed = score.perObject.length - found.length;
      const foundJ = found.reduce((sum, o) => sum + o.j, 0) / Math.max(1, found.length);
      const foundF = found.reduce((sum, o) => sum + o.f, 0) / Math.max(1, found.length);
      rows.push({ name, lines, refine, ...score, foundJ, foundF, area: getAreaRatio(out, truth, found), missed, tracks: `${countTracks(out)}/${score.perObject.length}`, seconds });
    }
  }
}

const fmt = (v) => v.toFixed(3);
console.log(`\npixel refinement benchmark: rendered 848x480 videos, ${useCaches ? 'DINO-like feature caches' : path.basename(model)}, through the CLI (set: ${only.length ? only.join(',') : set})`);
// J, F: over every truth object (a missed one scores 0); found J, F and area (predicted / true pixels): over the objects a track found (J ≥ 0.1).
// tracks: distinct ids written / truth objects.
console.log(['scene'.padEnd(14), 'lines', 'refine', '    J', '    F', '  J&F', 'id sw', 'missed', 'found J', 'found F', 'area', 'tracks', 'track s'].join('  '));
for (const r of rows) {
  console.log([r.name.padEnd(14), String(r.lines).padStart(5), r.refine.padEnd(6), fmt(r.j), fmt(r.f), fmt(r.jf), String(r.idSwitches).padStart(5), String(r.missed).padStart(6), fmt(r.foundJ).padStart(7), fmt(r.foundF).padStart(7), r.area.toFixed(2), r.tracks.padStart(6), r.seconds.toFixed(1).padStart(7)].join('  '));
}
for (const lines of lineList) {
  for (const refine of modes) {
    const group = rows.filter((r) => r.lines === lines && r.refine === refine);
    const mean = (key) => group.reduce((s, r) => s + r[key], 0) / group.length;
    console.log(['mean'.padEnd(14), String(lines).padStart(5), refine.padEnd(6), fmt(mean('j')), fmt(mean('f')), fmt(mean('jf')), String(group.reduce((s, r) => s + r.idSwitches, 0)).padStart(5), String(group.reduce((s, r) => s + r.missed, 0)).padStart(6), fmt(mean('foundJ')).padStart(7), fmt(mean('foundF')).padStart(7), mean('area').toFixed(2)].join('  '));
  }
}
