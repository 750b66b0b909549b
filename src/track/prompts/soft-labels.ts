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
   * Objects this direction knows nothing of on this frame (it has not labelled them yet, nor
   * has a prompt it passed erased them): its zero for them is no vote; it votes for them only
   * as the other directions do, where it sees no object of its own (`mixLabel`).
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

/**
 * One label's mix over the sources, each source's labels normalised by `normalise` (per label,
 * as DINO's norm_mask). A source that knows nothing of `id` votes for it as the others do where
 * it sees no object of its own, and not at all where it sees one (its largest normalised object
 * label, `objectsOf`): it cannot say the object is not there, but it can say something else
 * is. Left out altogether, the twin hidden behind its look-alike at the later prompt took the
 * visible twin's pixels on the frames just before that prompt, where the forward labels of the
 * hidden one had drifted onto it (a review: pan-crossing scene 610, frame 43, 10,816 of 14,401
 * pixels).
 * @returns undefined when no source knows `id`
 */
function mixLabel(sources: WeightedSoft[], id: number, normalise: (grid: Float32Array) => Float32Array, objectsOf: (source: WeightedSoft) => Float32Array): Float32Array | undefined {
  let mixed: Float32Array | undefined;
  let known = 0;
  for (const { soft, weight, unknown } of sources) {
    const grid = soft.get(id);
    if (!grid || weight === 0 || unknown?.has(id)) continue;
    const normalised = normalise(grid);
    known += weight;
    if (!mixed) mixed = weight === 1 ? normalised : normalised.map((v) => v * weight);
    else for (let i = 0; i < mixed.length; i++) mixed[i] += weight * normalised[i];
  }
  if (!mixed || known === 1) return mixed;
  // The known sources' mix, as one vote; each unknowing source adds it where it sees no object.
  const share = new Float32Array(mixed.length).fill(known);
  for (const source of sources) {
    if (source.weight === 0 || !source.unknown?.has(id)) continue;
    const objects = objectsOf(source);
    for (let i = 0; i < share.length; i++) share[i] += source.weight * (1 - objects[i]);
  }
  for (let i = 0; i < mixed.length; i++) mixed[i] *= share[i] / known;
  return mixed;
}

/**
 * Per source, the largest of its normalised labels of objects it knows (not background), made
 * once per source when first asked for (`mixLabel`'s `objectsOf`).
 */
function cacheObjects(ids: number[], normalise: (grid: Float32Array) => Float32Array, size: number): (source: WeightedSoft) => Float32Array {
  const cache = new Map<WeightedSoft, Float32Array>();
  return (source) => {
    let objects = cache.get(source);
    if (objects) return objects;
    objects = new Float32Array(size);
    for (const id of ids) {
      const grid = source.soft.get(id);
      if (id === 0 || !grid || source.unknown?.has(id)) continue;
      const normalised = normalise(grid);
      for (let i = 0; i < size; i++) if (normalised[i] > objects[i]) objects[i] = normalised[i];
    }
    cache.set(source, objects);
    return objects;
  };
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
  const normalise = (grid: Float32Array): Float32Array => getNormalisedDense(grid, rows, cols, inputWidth, inputHeight);
  const objectsOf = cacheObjects(ids, normalise, inputWidth * inputHeight);
  for (const id of ids) {
    const mixed = mixLabel(sources, id, normalise, objectsOf);
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
  const objectsOf = cacheObjects(ids, normaliseGrid, n);
  for (const id of ids) {
    const sum = mixLabel(sources, id, normaliseGrid, objectsOf); // [n]
    if (sum) mixed.set(id, sum);
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
