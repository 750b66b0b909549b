/**
 * Label propagation by patch-feature affinity, as in DINO's video segmentation
 * evaluation: each target patch looks at source patches within a local window in a few
 * context frames, keeps its top-k most similar ones, weights them by exp(cosine / τ)
 * and takes the weighted mean of their soft labels.
 */
import { jsSimilarity, type Similarity } from './similarity.js';

/** A context frame: unit patch tokens and the soft mask of each track id. */
export interface ContextFrame {
  /** `[rows*cols, dim]`, rows L2-normalised */
  tokens: Float32Array;
  /** id → `[rows*cols]` soft mask in [0, 1] */
  masks: Map<number, Float32Array>;
}

export interface PropagationOptions {
  rows: number;
  cols: number;
  dim: number;
  /** Window half-size in patches (DINO: 12). */
  radius: number;
  /** Neighbours kept per target patch (DINO: 5). */
  topK: number;
  /** Softmax temperature on cosine similarity (DINO: 0.1). */
  temperature: number;
}

/**
 * Propagates every id's soft mask from the context frames to the target frame.
 * @param target unit tokens `[rows*cols, dim]` of the frame being labelled
 * @returns id → `[rows*cols]` soft mask
 */
export async function propagateMasks(target: Float32Array, context: ContextFrame[], options: PropagationOptions, similarity: Similarity = jsSimilarity): Promise<Map<number, Float32Array>> {
  const { rows, cols, dim, radius, topK, temperature } = options;
  const n = rows * cols;
  const ids = [...new Set(context.flatMap((frame) => [...frame.masks.keys()]))];
  const out = new Map(ids.map((id) => [id, new Float32Array(n)]));
  if (ids.length === 0 || context.length === 0) return out;
  // A target patch with no labelled source in its window gets 0 whatever its neighbours:
  // only the others are compared, as one matrix product per context frame ([needed, n]).
  const needed = getPatchesNearLabels(context, rows, cols, radius);
  const rowOf = new Int32Array(n).fill(-1);
  needed.forEach((j, k) => (rowOf[j] = k));
  const targets = new Float32Array(needed.length * dim);
  needed.forEach((j, k) => targets.set(target.subarray(j * dim, (j + 1) * dim), k * dim));
  const sims = needed.length === 0 ? [] : await Promise.all(context.map((frame) => similarity(targets, frame.tokens, dim)));
  const masks = ids.map((id) => context.map((frame) => frame.masks.get(id)));
  const bestSim = new Float32Array(topK);
  const bestFrame = new Int32Array(topK);
  const bestIndex = new Int32Array(topK);
  const weights = new Float32Array(topK);
  for (const j of needed) {
    const r = Math.floor(j / cols);
    const c = j % cols;
    let found = 0;
    for (let f = 0; f < context.length; f++) {
      const row = rowOf[j] * n;
      const sim = sims[f];
      for (let sr = Math.max(0, r - radius); sr <= Math.min(rows - 1, r + radius); sr++) {
        for (let sc = Math.max(0, c - radius); sc <= Math.min(cols - 1, c + radius); sc++) {
          const i = sr * cols + sc;
          const s = sim[row + i];
          if (found < topK || s > bestSim[topK - 1]) {
            // Insertion into the sorted top-k list.
            let k = Math.min(found, topK - 1);
            while (k > 0 && bestSim[k - 1] < s) {
              bestSim[k] = bestSim[k - 1];
              bestFrame[k] = bestFrame[k - 1];
              bestIndex[k] = bestIndex[k - 1];
              k--;
            }
            bestSim[k] = s;
            bestFrame[k] = f;
            bestIndex[k] = i;
            if (found < topK) found++;
          }
        }
      }
    }
    // exp((s - max)/τ) normalised equals exp(s/τ) normalised, without overflow.
    let total = 0;
    for (let k = 0; k < found; k++) total += weights[k] = Math.exp((bestSim[k] - bestSim[0]) / temperature);
    for (let u = 0; u < ids.length; u++) {
      let value = 0;
      for (let k = 0; k < found; k++) {
        const mask = masks[u][bestFrame[k]];
        if (mask) value += weights[k] * mask[bestIndex[k]];
      }
      (out.get(ids[u]) as Float32Array)[j] = value / total;
    }
  }
  return out;
}

/** Patches with a non-zero label of any context frame within `radius` (Chebyshev), ascending. */
function getPatchesNearLabels(context: ContextFrame[], rows: number, cols: number, radius: number): number[] {
  // Prefix sums over the grid of "some label here" make each window test O(1).
  const sums = new Int32Array((rows + 1) * (cols + 1));
  const w = cols + 1;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      let labelled = 0;
      for (const frame of context) {
        for (const mask of frame.masks.values()) {
          if (mask[i] !== 0) {
            labelled = 1;
            break;
          }
        }
        if (labelled) break;
      }
      sums[(r + 1) * w + c + 1] = labelled + sums[r * w + c + 1] + sums[(r + 1) * w + c] - sums[r * w + c];
    }
  }
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    const r0 = Math.max(0, r - radius);
    const r1 = Math.min(rows, r + radius + 1);
    for (let c = 0; c < cols; c++) {
      const c0 = Math.max(0, c - radius);
      const c1 = Math.min(cols, c + radius + 1);
      if (sums[r1 * w + c1] - sums[r0 * w + c1] - sums[r1 * w + c0] + sums[r0 * w + c0] > 0) out.push(r * cols + c);
    }
  }
  return out;
}
