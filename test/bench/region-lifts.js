// node test/bench/region-lifts.js SEED [EVERY] — what the tracker's objectness sees in a scene of
// test/bench/scene-families.js: every EVERY-th frame (default 4), each region the tracker's
// proposals make, with its area in patches, how many of them are the scene's one-head object
// (or its first object) by majority (`*`) and how many lie on a wall (`W`), the heads that
// support it, its largest single-head lift (against the head's background level) and its ring
// contrast; then each head's mean over the frame as a multiple of its median (the README's 1.2–11×: seeds 4309 4409 4109 102 104 118, every 10th frame).
// For reading why a region is or is not born (README, the single-head lift); prints, asserts nothing.
import { getProposals, multiTrackerTuning as tuning } from '../../dist/track/index.js';
import { getMedian } from '../../dist/track/attention-mask.js';
import { measureContrast, measureHeadSupport } from '../../dist/track/multi/objectness.js';
import { describeScene, generateScene, patchSize } from './scene-families.js';

const seed = Number(process.argv[2]);
const every = Number(process.argv[3] ?? 4);
if (!Number.isInteger(seed)) {
  console.error('usage: node test/bench/region-lifts.js SEED [EVERY]');
  process.exit(1);
}
const scene = describeScene(seed);
const object = scene.objects.find((o) => o.heads) ?? scene.objects[0];
console.log(`scene ${seed} (${scene.family}) ${scene.width}x${scene.height}: object ${object.id}, heads ${object.heads ?? 'all'}; walls ${scene.walls.length}; distractors ${scene.distractors.length}`);

/** Unit rows of `[n, dim]` tokens, as the tracker reads them. */
function unitRows(tokens, n, dim) {
  const out = new Float32Array(tokens.length);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += tokens[i * dim + d] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) out[i * dim + d] = tokens[i * dim + d] / norm;
  }
  return out;
}

/** Patches whose pixels are mostly the object's, and patches whose centre lies on a wall. */
function markPatches(frame) {
  const { rows, cols } = frame;
  const onObject = new Uint8Array(rows * cols);
  const onWall = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    let count = 0;
    for (let y = r * patchSize; y < (r + 1) * patchSize; y += 2) for (let x = c * patchSize; x < (c + 1) * patchSize; x += 2) if (frame.truth[y * scene.width + x] === object.id) count++;
    onObject[r * cols + c] = count >= (patchSize / 2) ** 2 / 2 ? 1 : 0;
    const [x, y] = [c * patchSize + patchSize / 2, r * patchSize + patchSize / 2];
    onWall[r * cols + c] = scene.walls.some(({ box: [wx, wy, ww, wh] }) => x >= wx && x < wx + ww && y >= wy && y < wy + wh) ? 1 : 0;
  }
  return { onObject, onWall };
}

for (const frame of generateScene(scene)) {
  if (frame.index % every) continue;
  const { rows, cols, heads, dim } = frame;
  const n = rows * cols;
  const tokens = unitRows(frame.patchTokens, n, dim);
  const proposals = getProposals(frame.clsAttention, tokens, { rows, cols, heads, dim, threshold: 0.6, minPatches: tuning.minPatches, splitCosine: tuning.splitCosine, growCosine: tuning.growCosine, headLift: tuning.foregroundLift, singleHeadLift: tuning.singleHeadLift });
  const { onObject, onWall } = markPatches(frame);
  const described = proposals.map((p) => {
    let [objectPatches, wallPatches] = [0, 0];
    for (let i = 0; i < n; i++) if (p.mask[i]) [objectPatches, wallPatches] = [objectPatches + onObject[i], wallPatches + onWall[i]];
    const { support, maxLift } = measureHeadSupport(p, frame.clsAttention, { rows, cols, heads, headLift: tuning.headLift });
    const contrast = measureContrast(p, tokens, { rows, cols, dim, ringPatches: tuning.ringPatches });
    return `${objectPatches ? `*${objectPatches}` : ''}${wallPatches ? `W${wallPatches}` : ''} area ${p.area} heads ${support} lift ${maxLift.toFixed(1)} ring ${contrast.toFixed(2)}`;
  });
  const ratios = Array.from({ length: heads }, (_, h) => {
    const map = frame.clsAttention.subarray(h * n, (h + 1) * n);
    return (map.reduce((a, b) => a + b, 0) / n / getMedian(map)).toFixed(1);
  });
  console.log(`${frame.index}: ${described.join(' | ')} || mean/median by head ${ratios.join(' ')}`);
}
