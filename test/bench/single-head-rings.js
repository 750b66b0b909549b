// node test/bench/single-head-rings.js [tuning|test|PROBE|heldout] [HELDOUT_VARIANT] — the ring
// contrast of regions that only one head's strong lift draws (the single-head rule of
// dist/track/multi/objectness.js), objects against background: every second frame's proposals,
// with the tracker's own tuning, split by what their patches are in truth (object: at least
// half on objects; background: under a fifth). The figures behind `singleHeadContrast` in
// src/track/multi/tuning.ts. Prints percentiles, asserts nothing.
import { benchFrames, classifyRegion, isSingleHeadDrawn } from './region-truth.js';
import { measureObjectness } from '../../dist/track/multi/objectness.js';
import { multiTrackerTuning as tuning } from '../../dist/track/multi/tuning.js';

const [set = 'tuning', variant = 'default'] = process.argv.slice(2);

const rings = { object: [], background: [] };
for (const { frame, tokens, proposals, truth } of benchFrames(set, variant)) {
  const { rows, cols, heads, dim } = frame;
  for (const p of proposals) {
    const o = measureObjectness(p, frame.clsAttention, tokens, { rows, cols, heads, dim, headLift: tuning.headLift, ringPatches: tuning.ringPatches });
    const kind = isSingleHeadDrawn(o) ? classifyRegion(p, truth) : undefined;
    if (kind) rings[kind].push(o.contrast);
  }
}
const percentile = (values, q) => values.length ? values[Math.min(values.length - 1, Math.floor(q * values.length))].toFixed(2) : '-';
console.log(`${set}${set === 'heldout' ? ` (${variant})` : ''}: ring cosine of regions drawn by one head's lift alone (every second frame)`);
for (const [kind, values] of Object.entries(rings)) {
  values.sort((a, b) => a - b);
  const under = (limit) => values.filter((v) => v < limit).length;
  console.log(`  ${kind.padEnd(10)} ${String(values.length).padStart(5)} regions; p10 ${percentile(values, 0.1)}, median ${percentile(values, 0.5)}, p90 ${percentile(values, 0.9)}; under 0.75: ${under(0.75)}, under ${tuning.singleHeadContrast}: ${under(tuning.singleHeadContrast)}`);
}
