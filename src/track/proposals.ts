import { averageHeads, getHeadLevels, getMassCutoff } from './attention-mask.js';
import { dot, getMaskPrototype } from './patch-features.js';

const maxSplitDepth = 3;

/** One candidate object in one frame, at patch resolution. */
export interface Proposal {
  /** `[rows*cols]` 1 = inside */
  mask: Uint8Array;
  area: number;
  /** Unit mean feature of its patches. */
  prototype: Float32Array;
  /** Centre in patch coordinates. */
  centre: [number, number];
}

export interface ProposalOptions {
  rows: number;
  cols: number;
  heads: number;
  dim: number;
  threshold: number;
  /** Components smaller than this many patches are specks. */
  minPatches: number;
  /** Below this cosine between the halves of a 2-means split, a region is two objects. */
  splitCosine: number;
  /** Neighbouring patches at least this similar to a region's mean feature join it. */
  growCosine: number;
  /**
   * Also foreground: patches that most heads attend at least this many times their mean
   * over the frame (a weakly attended object next to strongly attended ones, which the
   * mass threshold leaves out). Absent: the mass threshold only.
   */
  headLift?: number;
  /**
   * Also foreground: patches that any one head attends at least this many times its
   * background level (attention-mask.ts getBackgroundLevel: a small object only one head
   * attends vanishes from the head average and has no majority of heads). Absent: none.
   */
  singleHeadLift?: number;
}

/**
 * Foreground patches: the head-averaged mass threshold, plus patches that most heads
 * keep on their own (different heads fall on different objects, and a small object
 * can vanish from the average while several heads still see it).
 */
export function getForeground(attention: Float32Array, options: ProposalOptions): Uint8Array {
  const { heads, threshold } = options;
  const n = attention.length / heads;
  const mean = averageHeads(attention, heads);
  const cutoff = getMassCutoff(mean, threshold);
  const votes = new Uint8Array(n);
  const liftVotes = new Uint8Array(n);
  const single = new Uint8Array(n);
  const levels = getHeadLevels(attention, heads);
  for (let h = 0; h < heads; h++) {
    const map = attention.subarray(h * n, (h + 1) * n);
    const headCutoff = levels.massCutoff(h, threshold);
    const total = levels.totals[h];
    const liftCutoff = options.headLift === undefined ? Infinity : (options.headLift * total) / n;
    const level = options.singleHeadLift === undefined ? 0 : levels.backgrounds[h];
    // A head with no attention at all (level 0) marks nothing on its own.
    const singleCutoff = options.singleHeadLift === undefined || !(level > 0) ? Infinity : options.singleHeadLift * level;
    for (let i = 0; i < n; i++) {
      if (map[i] >= headCutoff) votes[i]++;
      if (map[i] >= liftCutoff) liftVotes[i]++;
      if (map[i] >= singleCutoff) single[i] = 1;
    }
  }
  const majority = Math.floor(heads / 2) + 1;
  return Uint8Array.from(mean, (v, i) => (v >= cutoff || votes[i] >= majority || liftVotes[i] >= majority || single[i] ? 1 : 0));
}

/** 4-connected components of a patch mask, largest first. */
export function getComponents(mask: Uint8Array, rows: number, cols: number): number[][] {
  const seen = new Uint8Array(mask.length);
  const components: number[][] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    const stack = [start];
    const members: number[] = [];
    seen[start] = 1;
    while (stack.length > 0) {
      const i = stack.pop() as number;
      members.push(i);
      const r = Math.floor(i / cols);
      const c = i % cols;
      const neighbours = [r > 0 ? i - cols : -1, r < rows - 1 ? i + cols : -1, c > 0 ? i - 1 : -1, c < cols - 1 ? i + 1 : -1];
      for (const j of neighbours) {
        if (j >= 0 && mask[j] && !seen[j]) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    components.push(members);
  }
  return components.sort((a, b) => b.length - a.length);
}

/**
 * Dot product of token row i with `vector`. Four running sums instead of one: each addition
 * no longer waits for the previous one, which made this (in the 2-means split below, on every
 * region of every frame) the main thread's largest cost at ViT-S width.
 */
function dotRow(tokens: Float32Array, i: number, vector: Float32Array, dim: number): number {
  const base = i * dim;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let d = 0;
  for (; d + 3 < dim; d += 4) {
    s0 += tokens[base + d] * vector[d];
    s1 += tokens[base + d + 1] * vector[d + 1];
    s2 += tokens[base + d + 2] * vector[d + 2];
    s3 += tokens[base + d + 3] * vector[d + 3];
  }
  for (; d < dim; d++) s0 += tokens[base + d] * vector[d];
  return s0 + s1 + (s2 + s3);
}

/** Centres are fitted on at most this many patches of a region; every patch is then assigned once. */
const splitSample = 128;

/** Sum of the given rows, into `out`. */
function sumRows_(out: Float32Array, members: number[], tokens: Float32Array, dim: number): void {
  out.fill(0);
  for (const i of members) {
    const base = i * dim;
    for (let d = 0; d < dim; d++) out[d] += tokens[base + d];
  }
}

/** Scales `vector` to unit length in place; false when it is the zero vector. */
function normalize_(vector: Float32Array): boolean {
  let norm = 0;
  for (let d = 0; d < vector.length; d++) norm += vector[d] * vector[d];
  if (norm === 0) return false;
  const scale = 1 / Math.sqrt(norm);
  for (let d = 0; d < vector.length; d++) vector[d] *= scale;
  return true;
}

/**
 * Splits patches into two groups by spherical 2-means on their features. It runs on every
 * region of every frame, so the centres come from an even sample of the region, nothing is
 * allocated per iteration, and each patch costs one product per pass, not two: a patch is
 * nearer centre a than b exactly when its product with a - b is not negative, and b's sum
 * is the region's sum less a's.
 */
function splitInTwo(region: number[], tokens: Float32Array, dim: number): [number[], number[], number] {
  const step = Math.max(1, Math.ceil(region.length / splitSample));
  const members = step === 1 ? region : region.filter((_, k) => k % step === 0);
  // Seeds: the patch farthest from the mean, then the patch farthest from that one.
  const farthest = (from: Float32Array): number => {
    let best = members[0];
    let bestSim = Infinity;
    for (const i of members) {
      const sim = dotRow(tokens, i, from, dim);
      if (sim < bestSim) [best, bestSim] = [i, sim];
    }
    return best;
  };
  const a = new Float32Array(dim);
  const b = new Float32Array(dim);
  const total = new Float32Array(dim);
  const towardsA = new Float32Array(dim);
  sumRows_(total, members, tokens, dim);
  a.set(total);
  normalize_(a);
  const seedA = farthest(a);
  a.set(tokens.subarray(seedA * dim, seedA * dim + dim));
  const seedB = farthest(a);
  b.set(tokens.subarray(seedB * dim, seedB * dim + dim));
  const setTowardsA = (): void => {
    for (let d = 0; d < dim; d++) towardsA[d] = a[d] - b[d];
  };
  setTowardsA();
  let groups: [number[], number[]] = [[], []];
  const side = new Uint8Array(members.length);
  for (let iteration = 0; iteration < 5; iteration++) {
    groups = [[], []];
    let changed = iteration === 0;
    for (let k = 0; k < members.length; k++) {
      const i = members[k];
      const group = dotRow(tokens, i, towardsA, dim) >= 0 ? 0 : 1;
      if (side[k] !== group) changed = true;
      side[k] = group;
      groups[group].push(i);
    }
    // The same groups as the last iteration give the same centres again: every later
    // iteration would repeat this one, so stopping here changes nothing.
    if (!changed) break;
    // An empty group keeps its previous centre.
    if (groups[0].length) {
      sumRows_(a, groups[0], tokens, dim);
      if (groups[1].length) for (let d = 0; d < dim; d++) b[d] = total[d] - a[d];
      normalize_(a);
    } else {
      b.set(total);
    }
    if (groups[1].length) normalize_(b);
    setTowardsA();
  }
  if (members !== region) {
    groups = [[], []];
    for (const i of region) groups[dotRow(tokens, i, towardsA, dim) >= 0 ? 0 : 1].push(i);
  }
  return [groups[0], groups[1], dot(a, b)];
}

function toProposal(members: number[], tokens: Float32Array, options: ProposalOptions): Proposal {
  const mask = new Uint8Array(options.rows * options.cols);
  let sumR = 0;
  let sumC = 0;
  for (const i of members) {
    mask[i] = 1;
    sumR += Math.floor(i / options.cols);
    sumC += i % options.cols;
  }
  return {
    mask,
    area: members.length,
    prototype: getMaskPrototype(tokens, options.dim, mask) as Float32Array,
    centre: [sumR / members.length, sumC / members.length],
  };
}

/**
 * Object proposals for one frame: foreground by attention mass, cut into connected
 * regions, each region split again while its features form two distinct clusters
 * (touching objects), specks dropped.
 * @param attention `[heads, rows*cols]`
 * @param tokens unit patch tokens `[rows*cols, dim]`
 */
export function getProposals(attention: Float32Array, tokens: Float32Array, options: ProposalOptions): Proposal[] {
  const foreground = getForeground(attention, options);
  // Each region is split at most `maxSplitDepth` times: enough for a few touching objects,
  // and noisy attention (weak models) cannot make the work grow with the region's size.
  const pending = getComponents(foreground, options.rows, options.cols).map((members) => ({ members, depth: 0 }));
  const proposals: Proposal[] = [];
  while (pending.length > 0) {
    const { members, depth } = pending.shift() as { members: number[]; depth: number };
    if (members.length < options.minPatches) continue;
    if (members.length >= 2 * options.minPatches && depth < maxSplitDepth) {
      const [first, second, cosine] = splitInTwo(members, tokens, options.dim);
      if (cosine < options.splitCosine && first.length >= options.minPatches && second.length >= options.minPatches) {
        // Each half may itself be several pieces once separated.
        for (const half of [first, second]) {
          const mask = new Uint8Array(foreground.length);
          for (const i of half) mask[i] = 1;
          pending.push(...getComponents(mask, options.rows, options.cols).map((piece) => ({ members: piece, depth: depth + 1 })));
        }
        continue;
      }
    }
    proposals.push(toProposal(members, tokens, options));
  }
  proposals.sort((a, b) => b.area - a.area);
  return growProposals(proposals, tokens, options);
}

/**
 * Attention marks the most salient part of an object (a mass threshold keeps a share of
 * the attention, not the object's extent); the object's own features give its extent.
 * Each region grows into 4-connected neighbours that resemble its mean feature, largest
 * region first, no patch shared.
 */
function growProposals(proposals: Proposal[], tokens: Float32Array, options: ProposalOptions): Proposal[] {
  const { rows, cols, dim, growCosine } = options;
  const owner = new Int32Array(rows * cols).fill(-1);
  proposals.forEach((p, k) => p.mask.forEach((v, i) => v && owner[i] < 0 && (owner[i] = k)));
  return proposals.map((proposal, k) => {
    const members: number[] = [];
    proposal.mask.forEach((v, i) => v && owner[i] === k && members.push(i));
    const queue = [...members];
    while (queue.length > 0) {
      const i = queue.pop() as number;
      const r = Math.floor(i / cols);
      const c = i % cols;
      for (const j of [r > 0 ? i - cols : -1, r < rows - 1 ? i + cols : -1, c > 0 ? i - 1 : -1, c < cols - 1 ? i + 1 : -1]) {
        if (j < 0 || owner[j] >= 0) continue;
        if (dotRow(tokens, j, proposal.prototype, dim) < growCosine) continue;
        owner[j] = k;
        members.push(j);
        queue.push(j);
      }
    }
    return toProposal(members, tokens, options);
  });
}
