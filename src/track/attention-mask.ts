/**
 * DINO's "keep x% of the attention mass" foreground: sort the patches by attention,
 * keep the most attended ones until they hold `mass` of the total.
 */

/**
 * Averages per-head CLS attention.
 * @param attention `[heads, n]`
 * @returns `[n]`
 */
export function averageHeads(attention: Float32Array, heads: number): Float32Array {
  const n = attention.length / heads;
  const mean = new Float32Array(n);
  for (let h = 0; h < heads; h++) for (let i = 0; i < n; i++) mean[i] += attention[h * n + i];
  for (let i = 0; i < n; i++) mean[i] /= heads;
  return mean;
}

/**
 * The smallest attention value that is still kept by the mass threshold: every patch at
 * or above it is foreground. Returns Infinity when the map has no mass.
 */
export function getMassCutoff(attention: Float32Array, mass: number): number {
  return getMassCutoffOfSorted(Float32Array.from(attention).sort(), mass);
}

/** `getMassCutoff` of a map already sorted ascending. */
function getMassCutoffOfSorted(ascending: Float32Array, mass: number): number {
  let total = 0;
  for (let k = ascending.length - 1; k >= 0; k--) total += ascending[k]; // read from the top down
  if (!(total > 0)) return Infinity;
  let kept = 0;
  for (let k = ascending.length - 1; k >= 0; k--) {
    kept += ascending[k];
    // DINO keeps patches whose ascending cumulative share exceeds 1 - mass, i.e. the
    // top patches up to and including the one that reaches `mass`.
    if (kept / total >= mass) return ascending[k];
  }
  return ascending[0];
}

/** The median of `values` (0 for none); the input is left as it is. */
export function getMedian(values: Float32Array): number {
  return getMedianOfSorted(Float32Array.from(values).sort());
}

function getMedianOfSorted(ascending: Float32Array): number {
  if (ascending.length === 0) return 0;
  const mid = ascending.length >> 1;
  return ascending.length % 2 ? ascending[mid] : (ascending[mid - 1] + ascending[mid]) / 2;
}

/**
 * The background level is never under this share of the head's mean. A median of fp16
 * attention (fp16 models and caches keep subnormals) can be a few rounding steps, or half
 * zeros, and would lift noise into the foreground; the cap makes a lift against the level at
 * most 32 times one against the mean. Set by reasoning: on the benchmark scenes a head's mean
 * is 1.2–11 times its median (test/bench/region-lifts.js), so the floor never binds there.
 */
export const backgroundFloorShare = 1 / 32;

/**
 * One head's background level: the median of its attention map, floored at
 * `backgroundFloorShare` of its mean. A head's mean over the frame rises with whatever else it
 * attends (a large object takes most of a softmax's mass), so a lift against the mean asks
 * more of a small object the larger its neighbours are; half the patches of a frame are
 * background in any scene a tracker can work on, so the median is the background's level
 * whatever the objects are.
 * @param total the map's sum, when the caller has it
 */
export function getBackgroundLevel(map: Float32Array, total?: number): number {
  return getBackgroundLevelOfSorted(Float32Array.from(map).sort(), total ?? sumOf(map));
}

function getBackgroundLevelOfSorted(ascending: Float32Array, total: number): number {
  return ascending.length === 0 ? 0 : Math.max(getMedianOfSorted(ascending), (backgroundFloorShare * total) / ascending.length);
}

/** The sum of a map in index order (as every caller of the levels below sums it). */
function sumOf(map: Float32Array): number {
  let total = 0;
  for (let i = 0; i < map.length; i++) total += map[i];
  return total;
}

/** What each head of one frame's attention `[heads, n]` is measured against. */
export interface HeadLevels {
  /** Each head's total attention over the frame. */
  totals: Float64Array;
  /** Each head's background level (`getBackgroundLevel`). */
  backgrounds: Float64Array;
  /** Each head's smallest attention value kept at a mass (`getMassCutoff`). */
  massCutoff(head: number, mass: number): number;
}

// Per attention array: proposals (the foreground) and objectness (every region of the frame)
// ask the same heads' levels, and each asks a sort of every head's map: 6 heads × 3 sorts of
// 1,590 patches at 480 lines was 2.4 ms of the tracker's ~16 ms a frame; one sort a head serves all.
const headLevels = new WeakMap<Float32Array, HeadLevels>();

/** The levels of each head of `attention` `[heads, n]`, computed once per array (never change it afterwards). */
export function getHeadLevels(attention: Float32Array, heads: number): HeadLevels {
  const known = headLevels.get(attention);
  if (known) return known;
  const n = attention.length / heads;
  const totals = new Float64Array(heads);
  const backgrounds = new Float64Array(heads);
  const sorted: Float32Array[] = [];
  for (let h = 0; h < heads; h++) {
    const map = attention.subarray(h * n, (h + 1) * n);
    sorted.push(Float32Array.from(map).sort());
    totals[h] = sumOf(map);
    backgrounds[h] = getBackgroundLevelOfSorted(sorted[h], totals[h]);
  }
  const levels = { totals, backgrounds, massCutoff: (head: number, mass: number) => getMassCutoffOfSorted(sorted[head], mass) };
  headLevels.set(attention, levels);
  return levels;
}

/** Foreground patches `[n]` (1 = kept) of one attention map at `mass`. */
export function thresholdMass(attention: Float32Array, mass: number): Uint8Array {
  const cutoff = getMassCutoff(attention, mass);
  return Uint8Array.from(attention, (v) => (v >= cutoff ? 1 : 0));
}
