import { normalizeRows } from './patch-features.js';
import { propagateMasks, type ContextFrame } from './propagation.js';
import { discoverObjects_, type DiscoveryState } from './discover.js';
import { correctDrift_, getAttentionRegions, getPrototypes, reanchorLost_ } from './reanchor.js';
import { describeLabels } from './regions.js';
import { resizeLabels } from './resize-labels.js';
import type { Similarity } from './similarity.js';
import type { FrameFeatures, FrameResult, Tracker } from './types.js';
import { upsampleBilinear } from './upsample.js';

/** Prompted (semi-supervised) tracking: DINO's video object segmentation protocol. */
export interface PromptedOptions {
  width: number;
  height: number;
  patchSize: number;
  /** The annotated frame's labels `[height, width]`, 0 = background, k = object k. */
  initLabels: Uint16Array;
  initFrame: number;
  /** Previous predicted frames used besides the annotated one (DINO: 7). */
  contextFrames: number;
  /** Window half-size in patches (DINO: 12). */
  radius: number;
  topK: number;
  temperature: number;
  /** `reference`: DINO's algorithm exactly; `improved` adds re-anchoring of lost objects and drift correction by attention. */
  propagation: 'reference' | 'improved';
  /** Share of attention mass kept in the attention regions that re-anchoring, drift correction and discovery use (`--threshold`). */
  threshold: number;
  /** Also give objects nobody annotated ids of their own (after `birthFrames` frames). */
  discover?: { birthFrames: number; maxObjects: number };
  similarity?: Similarity;
}

/**
 * Each object's soft mask for refinement, `[rows*cols]` in [0, 1], from the soft labels as
 * this tracker decides between them: every label min-max normalised (as `norm_mask` does),
 * then 0.5 + half the object's lead over the strongest other label (background included),
 * so it is above one half exactly where the object wins the argmax.
 */
function getMargins(soft: Map<number, Float32Array>, n: number): Map<number, Float32Array> {
  const normalised = new Map<number, Float32Array>();
  for (const [id, grid] of soft) {
    let [min, max] = [Infinity, -Infinity];
    for (const v of grid) [min, max] = [Math.min(min, v), Math.max(max, v)];
    normalised.set(id, max > 0 && max > min ? Float32Array.from(grid, (v) => (v - min) / (max - min)) : Float32Array.from(grid));
  }
  const margins = new Map<number, Float32Array>();
  for (const [id, grid] of normalised) {
    if (id === 0) continue;
    const margin = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let other = 0;
      for (const [otherId, values] of normalised) if (otherId !== id) other = Math.max(other, values[i]);
      margin[i] = Math.min(1, Math.max(0, 0.5 + (grid[i] - other) / 2));
    }
    margins.set(id, margin);
  }
  return margins;
}

/**
 * Propagates the annotated frame's objects through the video exactly as DINO's
 * evaluation does: context = the annotated frame (one-hot labels at the patch grid) plus
 * the last n predicted frames (soft labels); affinity exp(cos/τ) between L2-normalised
 * patch tokens, restricted to a local window, top-k per target patch; soft labels
 * upsampled bilinearly to the model input size, each channel min-max normalised, argmax,
 * then nearest-resized to the frame. Background is a label like the others.
 */
export function createPromptedTracker(options: PromptedOptions): Tracker {
  const { width, height, patchSize } = options;
  const ids = [...new Set(options.initLabels)].sort((a, b) => a - b);
  if (!ids.includes(0)) ids.unshift(0);
  let first: ContextFrame | undefined;
  let recent: ContextFrame[] = [];
  let prototypes = new Map<number, Float32Array>();
  const discovery: DiscoveryState = { candidates: [], nextId: Math.max(...ids) + 1 };

  const finish = (index: number, labels: Uint16Array, attention: Float32Array, rows: number, cols: number, soft?: Map<number, Float32Array>): FrameResult => {
    const visible = describeLabels(labels, width, height, new Map());
    const hidden = ids
      .filter((id) => id !== 0 && !visible.some((o) => o.id === id))
      .map((id) => ({ id, area: 0, bbox: [0, 0, 0, 0] as [number, number, number, number], score: 0, occluded: true }));
    return { index, width, height, labels, objects: [...visible, ...hidden].sort((a, b) => a.id - b.id), attention, rows, cols, soft };
  };

  return {
    async update(features: FrameFeatures): Promise<FrameResult> {
      const { rows, cols, dim, heads } = features;
      const n = rows * cols;
      const attention = new Float32Array(n);
      for (let h = 0; h < heads; h++) for (let i = 0; i < n; i++) attention[i] += features.clsAttention[h * n + i] / heads;
      if (features.index < options.initFrame) return finish(features.index, new Uint16Array(width * height), attention, rows, cols);
      const tokens = normalizeRows(features.patchTokens, dim); // [n, dim]
      if (!first) {
        // The pipeline makes the annotated frame a key frame; any other first frame would get its mask.
        if (features.index !== options.initFrame) throw new Error(`internal: prompted tracking started at frame ${features.index}, not the annotated frame ${options.initFrame}`);
        const small = resizeLabels(options.initLabels, width, height, cols, rows); // [rows, cols]
        first = { tokens, masks: new Map(ids.map((id) => [id, Float32Array.from(small, (v) => (v === id ? 1 : 0))])) };
        prototypes = getPrototypes(small, tokens, dim, ids);
        return finish(features.index, Uint16Array.from(options.initLabels), attention, rows, cols);
      }
      const soft = await propagateMasks(tokens, [first, ...recent], { rows, cols, dim, radius: options.radius, topK: options.topK, temperature: options.temperature }, options.similarity);
      // The frame's attention regions, computed once: re-anchoring, drift correction and discovery share them.
      const regions = options.propagation === 'improved' || options.discover ? getAttentionRegions(features.clsAttention, tokens, { rows, cols, heads, dim, threshold: options.threshold }) : undefined;
      if (options.propagation === 'improved') {
        reanchorLost_(soft, features.clsAttention, tokens, prototypes, { rows, cols, heads, dim, lostPatches: 3, matchCosine: 0.7, regions });
        // Pull 0.3: 0.3/0.5/0.8 gave mean J&F 0.909/0.893/0.857 on pan-two, crossing and occlusion-1s.
        correctDrift_(soft, features.clsAttention, tokens, prototypes, { rows, cols, heads, dim, lostPatches: 3, matchCosine: 0.7, pull: 0.3, regions });
      }
      if (options.discover) {
        for (const { id, prototype } of discoverObjects_(soft, features.clsAttention, tokens, prototypes, discovery, { rows, cols, heads, dim, knownCosine: 0.5, regions, ...options.discover })) {
          ids.push(id);
          prototypes.set(id, prototype);
        }
      }
      recent.push({ tokens, masks: soft });
      if (recent.length > options.contextFrames) recent = recent.slice(-options.contextFrames);

      const inputWidth = cols * patchSize;
      const inputHeight = rows * patchSize;
      const best = new Float32Array(inputWidth * inputHeight).fill(-Infinity);
      const labels = new Uint16Array(inputWidth * inputHeight);
      for (const id of ids) {
        const grid = soft.get(id);
        if (!grid) continue;
        const dense = upsampleBilinear(grid, rows, cols, inputWidth, inputHeight);
        // Min-max per channel on the upsampled map, as DINO's norm_mask does: bilinear
        // upsampling does not reach an interior peak exactly, so normalising the patch
        // grid instead would rescale each channel differently and move the argmax.
        let min = Infinity;
        let max = -Infinity;
        for (const v of dense) {
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (max > 0 && max > min) {
          const scale = 1 / (max - min);
          for (let i = 0; i < dense.length; i++) dense[i] = (dense[i] - min) * scale;
        }
        for (let i = 0; i < dense.length; i++) {
          if (dense[i] > best[i]) {
            best[i] = dense[i];
            labels[i] = id;
          }
        }
      }
      return finish(features.index, resizeLabels(labels, inputWidth, inputHeight, width, height), attention, rows, cols, getMargins(soft, n));
    },
  };
}
