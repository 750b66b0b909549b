// What the region probes (single-head-rings.js, backdrop-twins.js) share: every second frame of
// a set's scenes with the tracker's proposals on it, and what each proposal is in truth.
import { getProposals } from '../../dist/track/proposals.js';
import { centreAndNormalizeRows } from '../../dist/track/patch-features.js';
import { multiTrackerTuning as tuning } from '../../dist/track/multi/tuning.js';
import { describeHeldout, generateHeldout, heldoutKinds, heldoutSeeds } from './heldout-scenes.js';
import { describeScene, generateScene, patchSize, probeSets, testSeeds, tuningSeeds } from './scene-families.js';

/** The scenes of `set` (tuning, test, heldout with `variant`, or a probe set): name, width and a frame generator each. */
function* benchScenes(set, variant) {
  if (set === 'heldout') {
    for (const kind of heldoutKinds) for (const seed of heldoutSeeds) {
      const scene = describeHeldout(kind, seed, variant);
      yield { name: `${kind}-${seed}`, width: scene.width, frames: generateHeldout(scene) };
    }
    return;
  }
  const seeds = set === 'tuning' ? tuningSeeds : set === 'test' ? testSeeds : probeSets[set];
  if (!seeds) throw new Error(`unknown set ${set}: tuning, test, heldout or one of ${Object.keys(probeSets).join(', ')}`);
  for (const seed of seeds) {
    const scene = describeScene(seed);
    yield { name: String(seed), width: scene.width, frames: generateScene(scene) };
  }
}

/** Per patch: whether most of its pixels (sampled every second one) are on an object. */
function patchesOnObjects(frame, width) {
  const { rows, cols } = frame;
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    let count = 0;
    for (let y = r * patchSize; y < (r + 1) * patchSize; y += 2) for (let x = c * patchSize; x < (c + 1) * patchSize; x += 2) if (frame.truth[y * width + x] > 0) count++;
    out[r * cols + c] = count * 2 >= (patchSize / 2) ** 2 ? 1 : 0;
  }
  return out;
}

/**
 * Every second frame of the set's scenes: the scene's name, the frame, its tokens as the tracker
 * compares them (centred, unit), the proposals the tracker's own tuning makes, and per patch
 * whether it is on an object in truth.
 */
export function* benchFrames(set, variant) {
  for (const { name, width, frames } of benchScenes(set, variant)) {
    for (const frame of frames) {
      if (frame.index % 2) continue;
      const { rows, cols, heads, dim } = frame;
      const tokens = centreAndNormalizeRows(frame.patchTokens, dim);
      const proposals = getProposals(frame.clsAttention, tokens, { rows, cols, heads, dim, threshold: 0.6, minPatches: tuning.minPatches, splitCosine: tuning.splitCosine, growCosine: tuning.growCosine, headLift: tuning.foregroundLift, singleHeadLift: tuning.singleHeadLift });
      yield { name, frame, tokens, proposals, truth: patchesOnObjects(frame, width) };
    }
  }
}

/** What a proposal is in truth: 'object' (at least half its patches on objects), 'background' (under a fifth), else undefined. */
export function classifyRegion(proposal, truth) {
  let objectPatches = 0;
  proposal.mask.forEach((v, i) => { objectPatches += v && truth[i]; });
  const share = objectPatches / proposal.area;
  return share >= 0.5 ? 'object' : share < 0.2 ? 'background' : undefined;
}

/** Whether only one head's strong lift draws the region (the single-head rule of objectness.js), and it is not too large. */
export const isSingleHeadDrawn = (o) => o.support < tuning.supportHeads && o.maxLift >= tuning.strongLift && o.areaShare <= tuning.maxAreaShare;
