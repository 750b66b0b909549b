// node test/bench/tune-refine.js — chooses refineDefaults' radius (in patches), ε and coefficient
// grid (radius per step) on the tuning scenes of bench:pixels (never the test scenes): each scene
// is tracked once through the pipeline, then every candidate refinement is applied to the same
// tracked frames and scored (J, F). RADII, EPSILONS, STEPS: candidates (comma-separated).
// Tracks from the scenes' JS-made feature caches; MODEL=file.onnx: with that model instead
// (e.g. fixtures/models/designed-p16.onnx, as bench:pixels does).
import { runTrack } from '../../dist/pipeline.js';
import { normalizeTrackOptions } from '../../dist/cli/track-options.js';
import { refineDefaults, refineFrame } from '../../dist/refine/index.js';
import { createSequenceScorer } from '../../dist/eval/index.js';
import { makeTempDir } from '../fixtures.js';
import { frameHeight, frameWidth, renderFrame, scenes, writeRenderedScene } from './rendered-scenes.js';

const radii = (process.env.RADII ?? '0.5,1,1.5,2,3').split(',').map(Number); // patches
const epsilons = (process.env.EPSILONS ?? '0.0003,0.001,0.003,0.01,0.03').split(',').map(Number);
const steps = (process.env.STEPS ?? String(refineDefaults.radiusPerStep)).split(',').map(Number);
const model = process.env.MODEL;
const lineList = [480, 240];
const totals = new Map();
for (const [name, scene] of Object.entries(scenes)) {
  if (scene.set !== 'tune') continue;
  const folder = makeTempDir(`dino-track-tune-${name}-`);
  const { video, caches } = await writeRenderedScene(name, folder, model ? [] : lineList);
  for (const lines of lineList) {
    const sink = (into) => ({ write: async (result, image) => into.push({ result, image }), finish: async () => undefined, abort: async () => undefined });
    const source = model ? { model, shortSide: String(lines), device: 'cpu' } : { features: caches[lines] };
    const track = async (refine, into) => runTrack({ ...normalizeTrackOptions(video, { output: '-', format: 'ndjson', ...source, refine }), sink: sink(into) });
    const plain = [];
    const frames = [];
    await track('none', plain);
    await track('guided', frames);
    const truths = frames.map((_, t) => renderFrame(scene, t).truth);
    const candidates = [['none', undefined], ...radii.flatMap((radius) => epsilons.flatMap((epsilon) => steps.map((step) => [`r${radius} e${epsilon} r/${step}`, { ...refineDefaults, radiusPatches: radius, epsilon, radiusPerStep: step }])))];
    for (const [label, tuning] of candidates) {
      const scorer = createSequenceScorer(frameWidth, frameHeight);
      frames.forEach(({ result, image }, t) => scorer.add(tuning ? refineFrame(result, image, tuning).labels : plain[t].result.labels, truths[t]));
      const { j, f } = scorer.finish();
      const key = `${lines} ${label}`;
      const total = totals.get(key) ?? { j: 0, f: 0, n: 0 };
      totals.set(key, { j: total.j + j, f: total.f + f, n: total.n + 1 });
    }
  }
}
console.log('lines  candidate             J      F    J&F   (mean over the tuning scenes)');
for (const [key, { j, f, n }] of totals) console.log(`${key.padEnd(27)} ${(j / n).toFixed(3)}  ${(f / n).toFixed(3)}  ${((j + f) / 2 / n).toFixed(3)}`);
