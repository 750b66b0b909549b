// node test/bench/backdrop-cost.js — what the single-head backdrop rule (src/track/multi/backdrop.ts)
// costs on a frame where it runs: the frame's backdrop and one region's twins (10 patches, and
// 400: a region's patches are sampled), at the grids of 224 and 480 lines (D 384, random
// tokens), for the tracker's backdropPool and backdropSamples and for 256 / 16. Prints ms a
// frame; asserts nothing.
import { measureBackdrop, measureTwinRatio } from '../../dist/track/multi/backdrop.js';
import { multiTrackerTuning as tuning } from '../../dist/track/multi/tuning.js';

const dim = 384;
const rounds = 50;
for (const [lines, rows, cols] of [[224, 14, 25], [480, 30, 53]]) {
  const n = rows * cols;
  const tokens = new Float32Array(n * dim).map(() => Math.random() - 0.5);
  const covered = new Uint8Array(n);
  for (let i = 0; i < n; i += 9) covered[i] = 1; // some regions
  for (const [pool, samples, size] of [[tuning.backdropPool, tuning.backdropSamples, 10], [tuning.backdropPool, tuning.backdropSamples, Math.min(400, n - 40)], [256, 16, 10]]) {
    const mask = new Uint8Array(n);
    for (let i = 0; i < size; i++) mask[(40 + i * 3) % n] = 1;
    const region = { mask, area: size, prototype: new Float32Array(dim), centre: [0, 0] };
    const options = { rows, cols, dim, twinGap: tuning.twinGap, backdropPool: pool, backdropSamples: samples };
    const once = () => measureTwinRatio(region, tokens, measureBackdrop(tokens, covered, options), options);
    for (let k = 0; k < 5; k++) once();
    const started = performance.now();
    for (let k = 0; k < rounds; k++) once();
    console.log(`${lines} lines (${rows}x${cols} patches), pool ${pool}, samples ${samples}, a ${size}-patch region: ${((performance.now() - started) / rounds).toFixed(2)} ms a frame`);
  }
}
