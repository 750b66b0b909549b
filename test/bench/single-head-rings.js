// node test/bench/single-head-rings.js [tuning|test|PROBE|heldout] [HELDOUT_VARIANT] — the ring
// contrast of regions that only one head's strong lift draws (the single-head rule of
// dist/track/multi/objectness.js), objects against background: every second frame's proposals,
// with the tracker's own tuning, split by what their patches are in truth (object: at least
// half on objects; background: under a fifth). The figures behind `singleHeadContrast` in
// src/track/multi/tuning.ts. Prints percentiles, asserts nothing.
import { benchScenes, patchesOnObjects } from './region-truth.js';
import { getProposals } from '../../dist/track/proposals.js';
import { measureObjectness } from '../../dist/track/multi/objectness.js';
import { centreAndNormalizeRows } from '../../dist/track/patch-features.js';
import { multiTrackerTuning as tuning } from '../../dist/track/multi/tuning.js';

const [set = 'tuning', variant = 'default'] = process.argv.slice(2);

const rings = { object: [], background: [] };
for (const { width, frames } of benchScenes(set, variant)) {
  for (const frame of frames) {
    if (frame.index % 2) continue;
    const { rows, cols, heads, dim } = frame;
    const tokens = centreAndNormalizeRows(frame.patchTokens, dim); // as the tracker compares them
    const truth = patchesOnObjects(frame, width);
    const proposals = getProposals(frame.clsAttention, tokens, { rows, cols, heads, dim, threshold: 0.6, minPatches: tuning.minPatches, splitCosine: tuning.splitCosine, growCosine: tuning.growCosine, headLift: tuning.foregroundLift, singleHeadLift: tuning.singleHeadLift });
    for (const p of proposals) {
      const o = measureObjectness(p, frame.clsAttention, tokens, { rows, cols, heads, dim, headLift: tuning.headLift, ringPatches: tuning.ringPatches });
      if (o.support >= tuning.supportHeads || o.maxLift < tuning.strongLift || o.areaShare > tuning.maxAreaShare) continue;
      let objectPatches = 0;
      p.mask.forEach((v, i) => { objectPatches += v && truth[i]; });
      const share = objectPatches / p.area;
      if (share >= 0.5) rings.object.push(o.contrast);
      else if (share < 0.2) rings.background.push(o.contrast);
    }
  }
}
const percentile = (values, q) => values.length ? values[Math.min(values.length - 1, Math.floor(q * values.length))].toFixed(2) : '-';
console.log(`${set}${set === 'heldout' ? ` (${variant})` : ''}: ring cosine of regions drawn by one head's lift alone (every second frame)`);
for (const [kind, values] of Object.entries(rings)) {
  values.sort((a, b) => a - b);
  const under = (limit) => values.filter((v) => v < limit).length;
  console.log(`  ${kind.padEnd(10)} ${String(values.length).padStart(5)} regions; p10 ${percentile(values, 0.1)}, median ${percentile(values, 0.5)}, p90 ${percentile(values, 0.9)}; under 0.75: ${under(0.75)}, under ${tuning.singleHeadContrast}: ${under(tuning.singleHeadContrast)}`);
}
