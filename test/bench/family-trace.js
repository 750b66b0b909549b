// node test/bench/family-trace.js 109 110 … — bench:heldout's per-scene trace for scenes of
// test/bench/scene-families.js, run in-process with the tracker's own tuning (TUNING='{…}' overrides
// constants, as tune-track.js): for each track when it lived, which object it stood for and what its
// unmatched pixels covered; for each object, the tracks it was matched to in order (switches), and
// the first frame it was in view. A diagnosis aid for the tuning set; it changes nothing.
import { createMultiTracker, multiTrackerTuning } from '../../dist/track/index.js';
import { describeScene, fps, generateScene, sceneName, tuningSeeds } from './scene-families.js';
import { createTrace, printTrace } from './heldout-trace.js';
import { createSceneScore, printTable } from './scene-score.js';

const seeds = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const tuning = { ...multiTrackerTuning, ...JSON.parse(process.env.TUNING ?? '{}') };
const rows = [];
const traces = [];
for (const seed of seeds.length ? seeds : tuningSeeds) {
  const scene = describeScene(seed);
  const tracker = createMultiTracker({ width: scene.width, height: scene.height, fps, threshold: 0.6, maxObjects: 20 }, tuning);
  const score = createSceneScore(scene.width, scene.height);
  // The trace counts pixels near the first wandering blob apart (none: a point far off the frame).
  const spot = scene.distractors[0];
  const blobs = Array.from({ length: scene.frames }, (_, t) => (spot ? { x: spot.path[t][0], y: spot.path[t][1] } : { x: -1e9, y: -1e9 }));
  const trace = createTrace({ width: scene.width, blob: { radius: 24 } }, blobs);
  const firstSeen = new Map();
  for (const frame of generateScene(scene)) {
    const result = await tracker.update(frame);
    score.add(result.labels, frame.truth);
    trace.add(frame.index, result.labels, frame.truth);
    for (const [id, share] of frame.visible) if (share > 0 && !firstSeen.has(id)) firstSeen.set(id, frame.index);
  }
  rows.push({ name: sceneName(scene), size: `${scene.width}x${scene.height}`, ...score.finish(), seconds: 0 });
  traces.push({ name: `${sceneName(scene)} (objects first in view at ${[...firstSeen].map(([id, t]) => `${id}: ${t}`).join(', ')})`, trace: trace.finish(), hidden: scene.objects.map(() => '-') });
}
printTable('in-process', rows);
for (const { name, trace, hidden } of traces) printTrace(name, trace, hidden);
