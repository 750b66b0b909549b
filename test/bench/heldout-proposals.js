// node test/bench/heldout-proposals.js wall 1 [first last] (HELDOUT_VARIANT=… as bench:heldout) — what the tracker's per-frame proposal
// step (dist/track/proposals.js, with the tracker's own tuning) makes of one held-out scene: the
// attention foreground, then each proposal after feature growth, with what its patches are in
// truth (objects by majority, the wall, background) and its objectness measures. A diagnosis aid
// for bench:heldout; it changes nothing in the tracker.
import { describeHeldout, generateHeldout, heldoutName, patch } from './heldout-scenes.js';
import { getForeground, getProposals } from '../../dist/track/proposals.js';
import { averageHeads } from '../../dist/track/attention-mask.js';
import { isObjectLike, measureObjectness } from '../../dist/track/multi/objectness.js';
import { measureBackdrop, measureTwinRatio } from '../../dist/track/multi/backdrop.js';
import { centreAndNormalizeRows } from '../../dist/track/patch-features.js';
import { multiTrackerTuning as tuning } from '../../dist/track/multi/tuning.js';

const [kind = 'wall', seed = '1', first = '0', last = '9'] = process.argv.slice(2);
const scene = describeHeldout(kind, Number(seed), process.env.HELDOUT_VARIANT ?? 'default');
const threshold = 0.6; // the CLI's default --threshold

/** Per patch: the truth object covering most of it (0 = none), or -1 for the wall. */
function patchTruth(frame) {
  const { rows, cols } = frame;
  const out = new Int32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const counts = new Map();
      for (let y = r * patch; y < (r + 1) * patch; y++) for (let x = c * patch; x < (c + 1) * patch; x++) {
        const v = frame.truth[y * scene.width + x];
        counts.set(v, (counts.get(v) ?? 0) + 1);
      }
      const [best] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
      const cx = (c + 0.5) * patch;
      const cy = (r + 0.5) * patch;
      const w = scene.wall;
      out[r * cols + c] = best === 0 && w && cx >= w.x0 && cx < w.x1 && cy >= w.y0 && cy < w.y1 ? -1 : best;
    }
  }
  return out;
}

const describe = (mask, labels) => {
  const counts = new Map();
  mask.forEach((v, i) => v && counts.set(labels[i], (counts.get(labels[i]) ?? 0) + 1));
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l === -1 ? 'wall' : l === 0 ? 'bg' : `obj${l}`} ${n}`).join(', ');
};

console.log(`${heldoutName(scene)}: proposals frame by frame (threshold ${threshold}, tracker tuning)`);
for (const frame of generateHeldout(scene)) {
  if (frame.index < Number(first)) continue;
  if (frame.index > Number(last)) break;
  const { rows, cols, heads, dim } = frame;
  const tokens = centreAndNormalizeRows(frame.patchTokens, dim); // as the tracker compares them
  const options = { rows, cols, heads, dim, threshold, minPatches: tuning.minPatches, splitCosine: tuning.splitCosine, growCosine: tuning.growCosine, headLift: tuning.foregroundLift, singleHeadLift: tuning.singleHeadLift };
  const labels = patchTruth(frame);
  const foreground = getForeground(frame.clsAttention, options);
  const mean = averageHeads(frame.clsAttention, heads);
  const total = mean.reduce((a, b) => a + b, 0);
  const onObjects = mean.reduce((a, v, i) => a + (labels[i] > 0 ? v : 0), 0) / total;
  console.log(` frame ${frame.index}: objects (by patch majority) hold ${onObjects.toFixed(2)} of the head-mean attention; foreground ${describe(foreground, labels)}`);
  const proposals = getProposals(frame.clsAttention, tokens, options);
  // The backdrop as the tracker's birth step measures it, less the tracks' claims (not known here).
  const covered = new Uint8Array(rows * cols);
  for (const p of proposals) p.mask.forEach((v, i) => v && (covered[i] = 1));
  const backdrop = measureBackdrop(tokens, covered, { rows, cols, dim, ...tuning });
  for (const proposal of proposals) {
    const o = measureObjectness(proposal, frame.clsAttention, tokens, { rows, cols, heads, dim, headLift: tuning.headLift, ringPatches: tuning.ringPatches });
    const twins = backdrop ? measureTwinRatio(proposal, tokens, backdrop, { rows, cols, dim, ...tuning }).toFixed(2) : '-';
    // Whether heads and ring pass (objectness.ts isObjectLike); the backdrop rule then judges the single-head ones by their twin ratio.
    const passes = isObjectLike(o, tuning) ? (o.support >= tuning.supportHeads ? 'passes heads and ring' : 'passes heads and ring by one head') : 'fails heads or ring';
    console.log(`   proposal ${proposal.area} patches (${describe(proposal.mask, labels)}): support ${o.support}, max lift ${o.maxLift.toFixed(1)}, contrast ${o.contrast.toFixed(2)}, area share ${o.areaShare.toFixed(2)}, twin ratio ${twins}; ${passes}`);
  }
}
