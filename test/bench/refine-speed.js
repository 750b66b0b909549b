// node test/bench/refine-speed.js — frames/s of the refinement stage alone (refineFrame on
// tracked frames of the rendered test scenes, tracking not counted), at the patch grids
// of 480 and 224 lines over the same 848×480 frames, and at a 398×224 frame.
import { runTrack } from '../../dist/pipeline.js';
import { normalizeTrackOptions } from '../../dist/cli/track-options.js';
import { refineFrame } from '../../dist/refine/index.js';
import { makeTempDir } from '../fixtures.js';
import { scenes, writeRenderedScene } from './rendered-scenes.js';

const repeats = Number(process.env.REPEATS ?? 3);
const lineList = [480, 224];
const timings = new Map(lineList.map((l) => [l, { seconds: 0, frames: 0 }]));
for (const [name, scene] of Object.entries(scenes)) {
  if (scene.set !== 'test') continue;
  const folder = makeTempDir(`dino-track-refine-speed-${name}-`);
  const { video, caches } = await writeRenderedScene(name, folder, lineList);
  for (const lines of lineList) {
    const frames = [];
    const sink = { write: async (result, image) => frames.push({ result, image }), finish: async () => undefined, abort: async () => undefined };
    await runTrack({ ...normalizeTrackOptions(video, { output: '-', format: 'ndjson', features: caches[lines], refine: 'guided' }), sink });
    for (const { result, image } of frames) refineFrame(result, image); // warm-up
    const started = performance.now();
    for (let k = 0; k < repeats; k++) for (const { result, image } of frames) refineFrame(result, image);
    const timing = timings.get(lines);
    timing.seconds += (performance.now() - started) / 1000;
    timing.frames += repeats * frames.length;
  }
}
for (const [lines, { seconds, frames }] of timings) {
  console.log(`848x480 frames, ${lines}-line patch grid: refinement alone ${(frames / seconds).toFixed(1)} frames/s (${((1000 * seconds) / frames).toFixed(1)} ms/frame, ${frames} frames)`);
}
