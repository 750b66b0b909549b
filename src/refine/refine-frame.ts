import { dilatePatches } from '../track/multi/painting.js';
import { getComponents } from '../track/proposals.js';
import { describeLabels } from '../track/regions.js';
import type { FrameResult, TrackedObject } from '../track/types.js';
import { getUpsampledRegion, upsampleBilinearRegion, type PixelRegion } from '../track/upsample.js';
import { dropThinPieces_ } from './thin-pieces.js';
import { alignRegion, createGuide, filterGuided, type GuideImage, type GuidedFilterOptions, type MaskVote } from './guided-filter.js';

/** Tuning of the refinement; values chosen on the tuning scenes of `npm run bench:pixels` (see README). */
export const refineDefaults = {
  /** Window radius in patches (2 = 32 px at 480 lines): a window across the one-patch halo must also hold true background; tuning scenes, 1–3 patches tried. */
  radiusPatches: 2,
  /** On colours in [0, 1]: ε = 0.001 followed the tuning scenes' object edges best of 0.0003–0.03 (larger keeps more halo). */
  epsilon: 0.001,
  /**
   * Coefficients every radius/this pixels: the fast guided filter's ratio (He & Sun 2015,
   * s = r/4). Was a fixed 4 px (r/8 at 480 lines, r/16 at 240); on the tuning scenes r/4,
   * r/8 and r/16 gave the same J within 0.003 and F within 0.001 at 480 and 240 lines
   * (`MODEL=fixtures/models/designed-p16.onnx RADII=2 EPSILONS=0.001 STEPS=4,8,16 node
   * test/bench/tune-refine.js`), and r/4 is a quarter (480) to a sixteenth (240) of the coarse work.
   */
  radiusPerStep: 4,
  /** A pixel belongs to the strongest object above this, as without refinement. */
  threshold: 0.5,
  /**
   * An object may take a pixel only where the patches it wins, upsampled, are at least the
   * strongest object's there minus this. Both masks are bilinear ramps across the patch grid's boundary
   * between two touching objects, so 0.5 lets the boundary move a quarter patch either way
   * (s/2 of a patch for a value s): room for a colour edge the grid cut across, and no more,
   * since a colour fit cannot split look-alikes (one of two touching red squares took the
   * other's pixels). Chosen by that reasoning, not tuned; checked on the tuning scenes of
   * bench:pixels (README, Pixel refinement).
   */
  seamReach: 0.5,
  /** Patches below this soft value cannot reach `threshold` after upsampling; they only widen the work box. */
  boxFloor: 0.25,
};

export type RefineTuning = typeof refineDefaults;

/**
 * `[firstRow, firstCol, lastRow, lastCol]` of each group of patches at or above `floor`,
 * patches closer than `reach` joining one group: groups further apart cannot affect each
 * other's filtered values, so a scattered mask costs its pieces, not its bounding box.
 */
function getSoftBoxes(soft: Float32Array, rows: number, cols: number, floor: number, reach: number): [number, number, number, number][] {
  const mask = Uint8Array.from(soft, (v) => (v >= floor ? 1 : 0));
  return getComponents(dilatePatches(mask, rows, cols, reach), rows, cols).flatMap((members) => {
    let [r0, c0, r1, c1] = [rows, cols, -1, -1];
    for (const i of members) {
      if (!mask[i]) continue;
      const r = Math.floor(i / cols);
      const c = i % cols;
      r0 = Math.min(r0, r);
      r1 = Math.max(r1, r);
      c0 = Math.min(c0, c);
      c1 = Math.max(c1, c);
    }
    return r1 < 0 ? [] : [[r0, c0, r1, c1] as [number, number, number, number]];
  });
}

/** A region grown by `margin` pixels on every side, inside the frame. */
function growRegion([left, top, right, bottom]: PixelRegion, margin: number, width: number, height: number): PixelRegion {
  return [Math.max(0, left - margin), Math.max(0, top - margin), Math.min(width, right + margin), Math.min(height, bottom + margin)];
}

/** The running maxima of the last frame refined, reused: frame-sized arrays a frame are garbage the collector must keep up with. */
const scratch = { best: new Float32Array(0), strongest: new Float32Array(0), reach: new Float32Array(0) };

/** A float array of at least `size` values, contents undefined. */
function getScratch(name: keyof typeof scratch, size: number): Float32Array {
  if (scratch[name].length < size) scratch[name] = new Float32Array(size);
  return scratch[name];
}

/** The smallest region holding every one of `regions` (an empty one when there are none). */
function getUnion(regions: PixelRegion[]): PixelRegion {
  if (regions.length === 0) return [0, 0, 0, 0];
  return regions.reduce(([l, t, r, b], [left, top, right, bottom]) => [Math.min(l, left), Math.min(t, top), Math.max(r, right), Math.max(b, bottom)]);
}

/** The patches a soft mask wins (over `threshold`), 0 or 1: the mask itself when it holds only 0 and 1 (the tracker's claimed patches, every frame). */
function getWinningPatches(grid: Float32Array, threshold: number): Float32Array {
  return grid.every((v) => v === 0 || v === 1) ? grid : Float32Array.from(grid, (v) => (v > threshold ? 1 : 0));
}

/** The running maximum of the objects' upsampled patch masks, `reach` `[height, width]`, raised by one region's. */
function raiseReach_(reach: Float32Array, prior: Float32Array, region: PixelRegion, width: number): void {
  const [left, top, right, bottom] = region;
  for (let y = top, i = 0; y < bottom; y++) {
    for (let o = y * width + left, end = y * width + right; o < end; o++, i++) if (prior[i] > reach[o]) reach[o] = prior[i];
  }
}

/** Pixels where no object's refined value passed `threshold` go to the background (see MaskVote). */
function keepForeground_(vote: MaskVote, union: PixelRegion, width: number, threshold: number): void {
  const { labels, strongest } = vote;
  for (let y = union[1]; y < union[3]; y++) {
    for (let o = y * width + union[0], end = y * width + union[2]; o < end; o++) if (strongest[o] <= threshold) labels[o] = 0;
  }
}

/** What refinement reads of a tracked frame: its soft masks, not its patch-grid labels. */
export type RefineInput = Pick<FrameResult, 'width' | 'height' | 'rows' | 'cols' | 'objects'> & { soft: Map<number, Float32Array> };

/**
 * Pixel refinement of one tracked frame: each object's soft patch mask is upsampled and
 * passed through a colour guided filter led by the full-resolution frame, on the object's
 * box only; then every pixel goes to the strongest object above `threshold`, else to the
 * background. Objects that refinement leaves without pixels are reported occluded.
 * A frame without soft masks (an interpolated one) is returned as it is.
 * @param image the frame `[height, width, 3]` RGB24 at the result's size
 */
export function refineFrame(result: FrameResult, image: Uint8Array, tuning: RefineTuning = refineDefaults): FrameResult {
  return result.soft ? { ...result, ...refineMasks(result as RefineInput, image, tuning) } : result;
}

/** The refined labels and objects of a frame with soft masks (see refineFrame). */
export function refineMasks(result: RefineInput, image: Uint8Array, tuning: RefineTuning = refineDefaults): Pick<FrameResult, 'labels' | 'objects'> {
  const { width, height, rows, cols, soft } = result;
  if (image.length !== width * height * 3) throw new Error(`internal: refinement got a ${image.length}-byte frame for ${width}x${height} masks`);
  // The halo is a patch wide whatever the frame size, so the window is counted in patches.
  const radius = tuning.radiusPatches * Math.max(width / cols, height / rows);
  const step = Math.max(1, Math.round(radius / tuning.radiusPerStep));
  const filter: GuidedFilterOptions = { radius, epsilon: tuning.epsilon, subsample: step };
  // Two windows (the fit's and its smoothing's) plus the half patch upsampling reaches: pieces further apart are filtered apart.
  const reach = Math.ceil(2 * tuning.radiusPatches) + 1;
  const regions: [number, PixelRegion][] = [];
  for (const [id, grid] of soft) {
    for (const box of getSoftBoxes(grid, rows, cols, tuning.boxFloor, reach)) {
      regions.push([id, alignRegion(growRegion(getUpsampledRegion(box, rows, cols, width, height), Math.ceil(filter.radius), width, height), step, width, height)]);
    }
  }
  // Block colours once for the whole frame when the regions together cover more than it, else per region.
  const covered = regions.reduce((sum, [, [left, top, right, bottom]]) => sum + (right - left) * (bottom - top), 0);
  const guide: GuideImage = covered > width * height ? createGuide(image, width, height, step) : { pixels: image, width, height };
  // Only the regions' union is voted in (and read below): only it needs the threshold.
  const union = getUnion(regions.map(([, region]) => region));
  const vote: MaskVote = { id: 0, labels: new Uint16Array(width * height), best: getScratch('best', width * height), strongest: getScratch('strongest', width * height), reach: getScratch('reach', width * height), seam: tuning.seamReach, own: new Float32Array(0) };
  for (let y = union[1]; y < union[3]; y++) {
    vote.best.fill(-Infinity, y * width + union[0], y * width + union[2]);
    for (const array of [vote.strongest, vote.reach]) array.fill(0, y * width + union[0], y * width + union[2]);
  }
  const priors = regions.map(([id, region]) => upsampleBilinearRegion(soft.get(id) as Float32Array, rows, cols, width, height, region)); // each [regionHeight, regionWidth]
  // Where each object wins on the patch grid (its soft mask over one half), upsampled: what the seam rule compares.
  const wins = new Map([...soft].map(([id, grid]) => [id, getWinningPatches(grid, tuning.threshold)]));
  const winning = regions.map(([id, region], k) => (wins.get(id) === soft.get(id) ? priors[k] : upsampleBilinearRegion(wins.get(id) as Float32Array, rows, cols, width, height, region)));
  regions.forEach(([, region], k) => raiseReach_(vote.reach, winning[k], region, width));
  regions.forEach(([id, region], k) => {
    vote.id = id;
    vote.own = winning[k];
    filterGuided(priors[k], guide, region, filter, vote);
  });
  const { labels } = vote;
  keepForeground_(vote, union, width, tuning.threshold);
  dropThinPieces_(labels, width, height, union);
  const scores = new Map(result.objects.map((o) => [o.id, o.score]));
  // Outside the regions every label is 0: only their union is read.
  const visible = describeLabels(labels, width, height, scores, union);
  const shown = new Set(visible.map((o) => o.id));
  const hidden: TrackedObject[] = result.objects
    .filter((o) => !shown.has(o.id))
    .map((o) => ({ ...o, area: 0, bbox: [0, 0, 0, 0], score: o.occluded ? o.score : 0, occluded: true }));
  return { labels, objects: [...visible, ...hidden].sort((a, b) => a.id - b.id) };
}
