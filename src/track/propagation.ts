/**
 * Label propagation by patch-feature affinity, as in DINO's video segmentation
 * evaluation: each target patch looks at source patches within a local window in a few
 * context frames, keeps its top-k most similar ones, weights them by exp(cosine / τ)
 * and takes the weighted mean of their soft labels.
 */

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
export function propagateMasks(target: Float32Array, context: ContextFrame[], options: PropagationOptions): Map<number, Float32Array> {
  const { rows, cols, dim, radius, topK, temperature } = options;
  const n = rows * cols;
  const ids = [...new Set(context.flatMap((frame) => [...frame.masks.keys()]))];
  const out = new Map(ids.map((id) => [id, new Float32Array(n)]));
  if (ids.length === 0 || context.length === 0) return out;
  const bestSim = new Float32Array(topK);
  const bestFrame = new Int32Array(topK);
  const bestIndex = new Int32Array(topK);
  for (let j = 0; j < n; j++) {
    const r = Math.floor(j / cols);
    const c = j % cols;
    bestSim.fill(-Infinity);
    let found = 0;
    const row = target.subarray(j * dim, (j + 1) * dim);
    for (let f = 0; f < context.length; f++) {
      const source = context[f].tokens;
      for (let sr = Math.max(0, r - radius); sr <= Math.min(rows - 1, r + radius); sr++) {
        for (let sc = Math.max(0, c - radius); sc <= Math.min(cols - 1, c + radius); sc++) {
          const i = sr * cols + sc;
          let sim = 0;
          const base = i * dim;
          for (let d = 0; d < dim; d++) sim += row[d] * source[base + d];
          if (found < topK || sim > bestSim[topK - 1]) {
            // Insertion into the sorted top-k list.
            let k = Math.min(found, topK - 1);
            while (k > 0 && bestSim[k - 1] < sim) {
              bestSim[k] = bestSim[k - 1];
              bestFrame[k] = bestFrame[k - 1];
              bestIndex[k] = bestIndex[k - 1];
              k--;
            }
            bestSim[k] = sim;
            bestFrame[k] = f;
            bestIndex[k] = i;
            if (found < topK) found++;
          }
        }
      }
    }
    // exp((s - max)/τ) normalised equals exp(s/τ) normalised, without overflow.
    let total = 0;
    const weights = new Float32Array(found);
    for (let k = 0; k < found; k++) total += weights[k] = Math.exp((bestSim[k] - bestSim[0]) / temperature);
    for (const id of ids) {
      let value = 0;
      for (let k = 0; k < found; k++) {
        const mask = context[bestFrame[k]].masks.get(id);
        if (mask) value += weights[k] * mask[bestIndex[k]];
      }
      (out.get(id) as Float32Array)[j] = value / total;
    }
  }
  return out;
}
