// node test/bench/tune-track.js [tuning|test|PROBE|seeds…] — the tracking benchmark in-process
// (no CLI, no PNGs): for choosing the tracker's constants on the tuning set quickly. PROBE:
// a family's scenes in neither set (scene-families.js probeSets: entering-pillar,
// crossing-pillar, newcomer, single-head, pillar).
// TUNING='{"birthSeconds":0.2}' overrides constants of the multi-object tracker.
// The figures to report come from `npm run bench:track`, which goes through the CLI.
import { createMultiTracker, multiTrackerTuning, paintBirth } from '../../dist/track/index.js';
import { describeScene, fps, generateScene, probeSets, sceneName, testSeeds, tuningSeeds } from './scene-families.js';
import { createSceneScore, printTable } from './scene-score.js';

const args = process.argv.slice(2);
const probe = args.find((a) => a in probeSets);
const seeds = args.includes('test') ? testSeeds : probe ? probeSets[probe] : args.filter((a) => /^\d+$/.test(a)).map(Number);
const tuning = { ...multiTrackerTuning, ...JSON.parse(process.env.TUNING ?? '{}') };
const rows = [];
let trackMs = 0;
let trackFrames = 0;
for (const seed of seeds.length ? seeds : tuningSeeds) {
  const scene = describeScene(seed);
  const tracker = createMultiTracker({ width: scene.width, height: scene.height, fps, threshold: 0.6, maxObjects: 20 }, tuning);
  const score = createSceneScore(scene.width, scene.height);
  const started = performance.now();
  // As the CLI writes them: the last `lookBack` results are held back, and births painted into them.
  const held = [];
  const paint = (births) => {
    for (const birth of births ?? []) {
      const target = held.find((h) => h.result.index === birth.index);
      if (target) target.result = paintBirth(target.result, birth);
    }
  };
  for (const frame of generateScene(scene)) {
    const t0 = performance.now();
    const result = await tracker.update(frame);
    trackMs += performance.now() - t0;
    trackFrames++;
    paint(result.births);
    held.push({ result, truth: frame.truth });
    while (held.length > (tracker.lookBack ?? 0)) {
      const oldest = held.shift();
      score.add(oldest.result.labels, oldest.truth);
    }
  }
  paint(await tracker.finish?.());
  for (const { result, truth } of held) score.add(result.labels, truth);
  rows.push({ name: sceneName(scene), size: `${scene.width}x${scene.height}`, ...score.finish(), seconds: (performance.now() - started) / 1000 });
}
printTable('in-process', rows);
console.log(`tracker ${(trackMs / trackFrames).toFixed(1)} ms/frame (D 64)`);
