// node test/bench/backdrop-cost.js — what the single-head backdrop rule (src/track/multi/backdrop.ts)
// costs on a frame where it runs: the frame's backdrop and one 10-patch region's twins, at the
// grids of 224 and 480 lines (D 384, random tokens), for the tracker's backdropPool and
// backdropSamples and for 512 / 32 (the first choice). Prints ms a frame; asserts nothing.
import { measureBackdrop, measureTwinRatio } from '../../dist/track/multi/backdrop.js';
import { multiTrackerTuning as tuning } from '../../dist/track/multi/tuning.js';

const dim = 384;
const rounds = 50;
for (const [lines, rows, cols] of [[224, 14, 25], [480, 30, 53]]) {
  const n = rows * cols;
  const tokens = new Float32Array(n * dim).map(() => Math.random() - 0.5);
  const covered = new Uint8Array(n);
  for (let i = 0; i < n; i += 9) covered[i] = 1; // some regions
  const mask = new Uint8Array(n);
  for (let i = 0; i < 10; i++) mask[5 * cols + 10 + i] = 1;
  const region = { mask, area: 10, prototype: new Float32Array(dim), centre: [5, 14] };
  for (const [pool, samples] of [[tuning.backdropPool, tuning.backdropSamples], [512, 32]]) {
    const options = { rows, cols, dim, twinGap: tuning.twinGap, backdropPool: pool, backdropSamples: samples };
    const once = () => measureTwinRatio(region, tokens, measureBackdrop(tokens, covered, options), options);
    for (let k = 0; k < 5; k++) once();
    const started = performance.now();
    for (let k = 0; k < rounds; k++) once();
    console.log(`${lines} lines (${rows}x${cols} patches), pool ${pool}, samples ${samples}: ${((performance.now() - started) / rounds).toFixed(2)} ms a frame`);
  }
}
