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
  /** Most similarities held at once (default `blockLimits.maxValues`); a block is still at least one grid row. */
  maxValues?: number;
  /** Most grid rows of targets per block (default `blockLimits.maxTargetRows`). */
  maxTargetRows?: number;
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
  // only the others are compared. They are compared in blocks of whole grid rows, each
  // with only the source rows its windows reach, so the similarities held at once stay
  // within `blockLimits` whatever the frame size (one [needed, n] matrix per context frame
  // was 4 GB at ViT-S/8 1080p). Top-k per target only needs that target's row, so the
  // result is the same as one product per frame.
  const needed = getPatchesNearLabels(context, rows, cols, radius);
  const masks = ids.map((id) => context.map((frame) => frame.masks.get(id)));
  const best: TopK = { sims: new Float32Array(topK), frames: new Int32Array(topK), indices: new Int32Array(topK), weights: new Float32Array(topK) };
  for (const block of getTargetBlocks(needed, options, context.length)) {
    const targets = new Float32Array(block.targets.length * dim); // [block, dim]
    block.targets.forEach((j, k) => targets.set(target.subarray(j * dim, (j + 1) * dim), k * dim));
    const first = block.sourceRows[0] * cols;
    const m = (block.sourceRows[1] - block.sourceRows[0]) * cols;
    // [block, m] per context frame, m = the source rows the block's windows reach
    const sims = await Promise.all(context.map((frame) => similarity(targets, frame.tokens.subarray(first * dim, (first + m) * dim), dim)));
    block.targets.forEach((j, k) => {
      const found = selectTopK(sims, k * m, first, j, options, best);
      const { weights } = best;
      // exp((s - max)/τ) normalised equals exp(s/τ) normalised, without overflow.
      let total = 0;
      for (let q = 0; q < found; q++) total += weights[q] = Math.exp((best.sims[q] - best.sims[0]) / temperature);
      for (let u = 0; u < ids.length; u++) {
        let value = 0;
        for (let q = 0; q < found; q++) {
          const mask = masks[u][best.frames[q]];
          if (mask) value += weights[q] * mask[best.indices[q]];
        }
        (out.get(ids[u]) as Float32Array)[j] = value / total;
      }
    });
  }
  return out;
}

/** How many similarities propagation holds at once. */
export const blockLimits = {
  /**
   * float32 values across all context frames of one block: 2^24 = 64 MB. A block is at
   * least one grid row, so at ViT-S/8 1080p (135x240 patches, window 12, 8 context frames)
   * it is one row, 240 x 25·240 x 8 = 11.5 M values.
   */
  maxValues: 1 << 24,
  /**
   * Grid rows of targets per block: 2. Every target row's window reaches 2·radius + 1
   * source rows, and a block of g rows is compared with g + 2·radius rows, so small blocks
   * waste little: at 480x848 (30x53 patches, radius 6, 3 context frames) the whole grid in
   * one block multiplied 1590 targets by 1590 sources, 2-row blocks 15 times 106 by 742, 2.1x fewer
   * multiply-adds for the same result (top-k per target only needs its own row), while
   * 2·cols targets per product keep onnxruntime's matrix product efficient.
   */
  maxTargetRows: 2,
};

/** Target patches of whole grid rows and the source rows `[first, end)` their windows reach. */
interface TargetBlock {
  targets: number[];
  sourceRows: [number, number];
}

/** The sorted top-k of one target, in reused arrays. */
interface TopK {
  sims: Float32Array;
  frames: Int32Array;
  indices: Int32Array;
  weights: Float32Array;
}

/** Splits the (ascending) needed targets into blocks of grid rows within `maxValues`. */
function getTargetBlocks(needed: number[], options: PropagationOptions, frames: number): TargetBlock[] {
  const { rows, cols, radius } = options;
  const maxValues = options.maxValues ?? blockLimits.maxValues;
  const maxTargetRows = options.maxTargetRows ?? blockLimits.maxTargetRows;
  // g grid rows of targets against g + 2·radius rows of sources, per context frame.
  let gridRows = 1;
  while (gridRows < Math.min(rows, maxTargetRows) && (gridRows + 1) * cols * Math.min(rows, gridRows + 1 + 2 * radius) * cols * frames <= maxValues) gridRows++;
  const blocks: TargetBlock[] = [];
  let start = 0;
  while (start < needed.length) {
    const firstRow = Math.floor(needed[start] / cols);
    const endRow = Math.min(rows, firstRow + gridRows);
    let end = start;
    while (end < needed.length && needed[end] < endRow * cols) end++;
    blocks.push({ targets: needed.slice(start, end), sourceRows: [Math.max(0, firstRow - radius), Math.min(rows, endRow + radius)] });
    start = end;
  }
  return blocks;
}

/**
 * Fills `best` with target j's top-k sources over the context frames' windows, sorted by
 * similarity (ties keep the first seen); returns how many were found.
 * @param sims per context frame `[block, m]` similarities; `offset` = this target's row start
 * @param first the patch index of similarity column 0
 */
function selectTopK(sims: Float32Array[], offset: number, first: number, j: number, options: PropagationOptions, best: TopK): number {
  const { rows, cols, radius, topK } = options;
  const r = Math.floor(j / cols);
  const c = j % cols;
  let found = 0;
  for (let f = 0; f < sims.length; f++) {
    const sim = sims[f];
    for (let sr = Math.max(0, r - radius); sr <= Math.min(rows - 1, r + radius); sr++) {
      for (let sc = Math.max(0, c - radius); sc <= Math.min(cols - 1, c + radius); sc++) {
        const i = sr * cols + sc;
        const s = sim[offset + i - first];
        if (found < topK || s > best.sims[topK - 1]) {
          // Insertion into the sorted top-k list.
          let k = Math.min(found, topK - 1);
          while (k > 0 && best.sims[k - 1] < s) {
            best.sims[k] = best.sims[k - 1];
            best.frames[k] = best.frames[k - 1];
            best.indices[k] = best.indices[k - 1];
            k--;
          }
          best.sims[k] = s;
          best.frames[k] = f;
          best.indices[k] = i;
          if (found < topK) found++;
        }
      }
    }
  }
  return found;
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
