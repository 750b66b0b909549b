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
  const ascending = Float32Array.from(attention).sort(); // read from the top down
  let total = 0;
  for (let k = ascending.length - 1; k >= 0; k--) total += ascending[k];
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
  if (values.length === 0) return 0;
  const ascending = Float32Array.from(values).sort();
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
  let sum = total ?? 0;
  if (total === undefined) for (let i = 0; i < map.length; i++) sum += map[i];
  return map.length === 0 ? 0 : Math.max(getMedian(map), (backgroundFloorShare * sum) / map.length);
}

/** Foreground patches `[n]` (1 = kept) of one attention map at `mass`. */
export function thresholdMass(attention: Float32Array, mass: number): Uint8Array {
  const cutoff = getMassCutoff(attention, mass);
  return Uint8Array.from(attention, (v) => (v >= cutoff ? 1 : 0));
}
