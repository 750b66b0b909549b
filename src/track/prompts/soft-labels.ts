import { describeLabels } from '../regions.js';
import { resizeLabels } from '../resize-labels.js';
import type { FrameResult } from '../types.js';
import { upsampleBilinear } from '../upsample.js';

/** Soft labels of one direction and the weight its vote gets. */
export interface WeightedSoft {
  /** id → `[rows*cols]` soft labels */
  soft: Map<number, Float32Array>;
  weight: number;
  /**
   * Objects this direction knows nothing of on this frame (no prompt it passed marks them, nor
   * did it find them): its zero for them is no vote, so their mix leaves it out and the other
   * directions' weights are scaled up to one (`getVotes`).
   */
  unknown?: ReadonlySet<number>;
}

/**
 * The sources' soft labels of `id` and the weight each gets, without sources that know nothing
 * of it, the weights scaled to sum to one. Without this a later prompt showing an object hidden
 * made it vanish on the frames before that prompt where it was in full view: the backward pass
 * from there had never been told of it, and its zero outvoted the forward pass (a first-time user).
 */
function getVotes(sources: WeightedSoft[], id: number): { grid: Float32Array; weight: number }[] {
  const votes = sources.flatMap(({ soft, weight, unknown }) => {
    const grid = soft.get(id);
    return grid && weight > 0 && !unknown?.has(id) ? [{ grid, weight }] : [];
  });
  const total = votes.reduce((sum, vote) => sum + vote.weight, 0);
  return votes.map(({ grid, weight }) => ({ grid, weight: weight / total }));
}

/** Where the labels go: the patch grid, the model input it covers, the frame. */
export interface LabelGeometry {
  rows: number;
  cols: number;
  patchSize: number;
  width: number;
  height: number;
}

/** A soft map upsampled to the model input and min-max normalised, as DINO's norm_mask does. */
function getNormalisedDense(grid: Float32Array, rows: number, cols: number, inputWidth: number, inputHeight: number): Float32Array {
  const dense = upsampleBilinear(grid, rows, cols, inputWidth, inputHeight); // [inputHeight, inputWidth]
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
  return dense;
}

/**
 * Turns soft labels into a label map: each source's channels are upsampled bilinearly
 * to the model input and min-max normalised (DINO), the sources' channels are mixed by
 * weight, argmax, then nearest-resized to the frame. Normalising before mixing keeps a
 * source's "not here" a vote: normalising the mix would stretch a faint object back to 1.
 * @returns `[height, width]` ids
 */
export function selectLabels(sources: WeightedSoft[], ids: number[], geometry: LabelGeometry): Uint16Array {
  const { rows, cols, patchSize, width, height } = geometry;
  const inputWidth = cols * patchSize;
  const inputHeight = rows * patchSize;
  const best = new Float32Array(inputWidth * inputHeight).fill(-Infinity);
  const labels = new Uint16Array(inputWidth * inputHeight);
  for (const id of ids) {
    let mixed: Float32Array | undefined;
    const votes = getVotes(sources, id);
    for (const { grid, weight } of votes) {
      const dense = getNormalisedDense(grid, rows, cols, inputWidth, inputHeight);
      if (votes.length === 1) mixed = dense;
      else {
        mixed ??= new Float32Array(dense.length);
        for (let i = 0; i < dense.length; i++) mixed[i] += weight * dense[i];
      }
    }
    if (!mixed) continue;
    for (let i = 0; i < mixed.length; i++) {
      if (mixed[i] > best[i]) {
        best[i] = mixed[i];
        labels[i] = id;
      }
    }
  }
  return resizeLabels(labels, inputWidth, inputHeight, width, height);
}

/**
 * A direction's background vote on the patches where the other directions see an object it
 * knows nothing of (`unknown`), scaled by how unsure they are of it there (1 − the object's
 * normalised soft label, the largest over such objects), in place. Its background there is only
 * where that object's label would have gone had it known of it: at full weight it shaved the
 * object's edges (two prompts, the object hidden at the later one: J 0.80–0.88 on frames the
 * earlier prompt alone gave 0.90–0.91).
 * @param sources every direction voting on the frame
 */
export function discountUnknownBackground_(source: WeightedSoft, sources: WeightedSoft[]): void {
  const background = source.soft.get(0);
  if (!background || !source.unknown?.size) return;
  const sure = new Float32Array(background.length);
  for (const id of source.unknown) {
    const votes = getVotes(sources.filter((other) => other !== source), id);
    const mixed = new Float32Array(background.length);
    for (const { grid, weight } of votes) {
      const normalised = normaliseGrid(grid);
      for (let i = 0; i < mixed.length; i++) mixed[i] += weight * normalised[i];
    }
    for (let i = 0; i < sure.length; i++) if (mixed[i] > sure[i]) sure[i] = mixed[i];
  }
  for (let i = 0; i < background.length; i++) background[i] *= 1 - sure[i];
}

/** A patch-grid map min-max normalised (`norm_mask` on the grid). */
function normaliseGrid(grid: Float32Array): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of grid) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max > 0 && max > min ? Float32Array.from(grid, (v) => (v - min) / (max - min)) : Float32Array.from(grid);
}

/**
 * Each object's soft mask for pixel refinement, `[rows*cols]` in [0, 1]: the sources mixed
 * as `selectLabels` mixes them (each normalised first); where the object leads the other
 * objects, 0.5 + half its lead over the background, elsewhere 0.5 + half its lead over the
 * strongest label (under one half). It passes one half exactly where the object wins on the
 * patch grid, as in `selectLabels`. Measured against the strongest other label everywhere, two
 * touching look-alikes each led the other by little, sat near one half, and the colour fit took
 * them under it (they lost up to 2,350 of 3,200 px); handing over only the patches each wins
 * (0 or 1) lost a weakly propagated object's pixels around them instead (a discovered square
 * kept 13–331 of its 1,600 px on frames it had kept whole). Refinement's seam rule compares
 * the winning patches (refine-frame.ts).
 */
export function getPromptedSoftMasks(sources: WeightedSoft[], ids: number[], n: number): Map<number, Float32Array> {
  const mixed = new Map<number, Float32Array>();
  for (const id of ids) {
    for (const { grid, weight } of getVotes(sources, id)) {
      const normalised = normaliseGrid(grid); // [n]
      const sum = mixed.get(id) ?? new Float32Array(n);
      for (let i = 0; i < n; i++) sum[i] += weight * normalised[i];
      mixed.set(id, sum);
    }
  }
  const background = mixed.get(0) ?? new Float32Array(n);
  const objects = [...mixed].filter(([id]) => id !== 0);
  // Per patch: the strongest object's value and which it is.
  const first = new Float32Array(n).fill(-Infinity);
  const winner = new Int32Array(n);
  for (const [id, values] of objects) for (let i = 0; i < n; i++) if (values[i] > first[i]) [first[i], winner[i]] = [values[i], id];
  const masks = new Map<number, Float32Array>();
  for (const [id, own] of objects) {
    const mask = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const rival = winner[i] === id ? background[i] : Math.max(background[i], first[i]);
      mask[i] = Math.min(1, Math.max(0, 0.5 + (own[i] - rival) / 2));
    }
    masks.set(id, mask);
  }
  return masks;
}

/** The tracker's answer for a labelled frame: visible objects, and every other known id as hidden. */
export function describePromptedFrame(index: number, labels: Uint16Array, ids: number[], attention: Float32Array, geometry: LabelGeometry, sources?: WeightedSoft[]): FrameResult {
  const { width, height, rows, cols } = geometry;
  const visible = describeLabels(labels, width, height, new Map());
  const hidden = ids
    .filter((id) => id !== 0 && !visible.some((o) => o.id === id))
    .map((id) => ({ id, area: 0, bbox: [0, 0, 0, 0] as [number, number, number, number], score: 0, occluded: true }));
  const result: FrameResult = { index, width, height, labels, objects: [...visible, ...hidden].sort((a, b) => a.id - b.id), attention, rows, cols };
  // Propagated frames hand their soft masks to pixel refinement; a prompted frame is ground truth and has none.
  if (sources) result.soft = getPromptedSoftMasks(sources, ids, rows * cols);
  return result;
}
