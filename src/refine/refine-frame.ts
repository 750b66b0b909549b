import { getComponents } from '../track/proposals.js';
import { describeLabels } from '../track/regions.js';
import type { FrameResult, TrackedObject } from '../track/types.js';
import { getUpsampledRegion, upsampleBilinearRegion, type PixelRegion } from '../track/upsample.js';
import { alignRegion, createGuide, filterGuided, type GuideImage, type GuidedFilterOptions } from './guided-filter.js';

/** Tuning of the refinement; values chosen on the tuning scenes of `npm run bench:pixels` (see README). */
export const refineDefaults = {
  /** Window radius in patches (2 = 32 px at 480 lines): a window across the one-patch halo must also hold true background; tuning scenes, 1–3 patches tried. */
  radiusPatches: 2,
  /** On colours in [0, 1]: ε = 0.001 followed the tuning scenes' object edges best of 0.0003–0.03 (larger keeps more halo). */
  epsilon: 0.001,
  /** Coefficients on a 4× coarser grid: the fast guided filter's usual ratio (r/4), 16× less work. */
  subsample: 4,
  /** A pixel belongs to the strongest object above this, as without refinement. */
  threshold: 0.5,
  /** Patches below this soft value cannot reach `threshold` after upsampling; they only widen the work box. */
  boxFloor: 0.25,
};

export type RefineTuning = typeof refineDefaults;

/** A patch mask grown by `reach` patches in every direction (a square neighbourhood), separably. */
function dilate(mask: Uint8Array, rows: number, cols: number, reach: number): Uint8Array {
  const across = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / cols);
    for (let c = Math.max(0, (i % cols) - reach); c <= Math.min(cols - 1, (i % cols) + reach); c++) across[r * cols + c] = 1;
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (!across[i]) continue;
    const c = i % cols;
    for (let r = Math.max(0, Math.floor(i / cols) - reach); r <= Math.min(rows - 1, Math.floor(i / cols) + reach); r++) out[r * cols + c] = 1;
  }
  return out;
}

/**
 * `[firstRow, firstCol, lastRow, lastCol]` of each group of patches at or above `floor`,
 * patches closer than `reach` joining one group: groups further apart cannot affect each
 * other's filtered values, so a scattered mask costs its pieces, not its bounding box.
 */
function getSoftBoxes(soft: Float32Array, rows: number, cols: number, floor: number, reach: number): [number, number, number, number][] {
  const mask = Uint8Array.from(soft, (v) => (v >= floor ? 1 : 0));
  return getComponents(dilate(mask, rows, cols, reach), rows, cols).flatMap((members) => {
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

/**
 * Pixel refinement of one tracked frame: each object's soft patch mask is upsampled and
 * passed through a colour guided filter led by the full-resolution frame, on the object's
 * box only; then every pixel goes to the strongest object above `threshold`, else to the
 * background. Objects that refinement leaves without pixels are reported occluded.
 * A frame without soft masks (an interpolated one) is returned as it is.
 * @param image the frame `[height, width, 3]` RGB24 at the result's size
 */
export function refineFrame(result: FrameResult, image: Uint8Array, tuning: RefineTuning = refineDefaults): FrameResult {
  const { width, height, rows, cols, soft } = result;
  if (!soft) return result;
  if (image.length !== width * height * 3) throw new Error(`internal: refinement got a ${image.length}-byte frame for ${width}x${height} masks`);
  // The halo is a patch wide whatever the frame size, so the window is counted in patches.
  const filter: GuidedFilterOptions = { radius: tuning.radiusPatches * Math.max(width / cols, height / rows), epsilon: tuning.epsilon, subsample: tuning.subsample };
  // Two windows (the fit's and its smoothing's) plus the half patch upsampling reaches: pieces further apart are filtered apart.
  const reach = Math.ceil(2 * tuning.radiusPatches) + 1;
  const regions: [number, PixelRegion][] = [];
  for (const [id, grid] of soft) {
    for (const box of getSoftBoxes(grid, rows, cols, tuning.boxFloor, reach)) {
      regions.push([id, alignRegion(growRegion(getUpsampledRegion(box, rows, cols, width, height), Math.ceil(filter.radius), width, height), tuning.subsample, width, height)]);
    }
  }
  // Block colours once for the whole frame when the regions together cover more than it, else per region.
  const covered = regions.reduce((sum, [, [left, top, right, bottom]]) => sum + (right - left) * (bottom - top), 0);
  const guide: GuideImage = covered > width * height ? createGuide(image, width, height, tuning.subsample) : { pixels: image, width, height };
  const labels = new Uint16Array(width * height);
  const best = new Float32Array(width * height).fill(tuning.threshold);
  for (const [id, region] of regions) {
    const grid = soft.get(id) as Float32Array;
    const prior = upsampleBilinearRegion(grid, rows, cols, width, height, region); // [regionHeight, regionWidth]
    const refined = filterGuided(prior, guide, region, filter);
    const [left, top, right, bottom] = region;
    const regionWidth = right - left;
    for (let y = top; y < bottom; y++) {
      for (let x = left, k = (y - top) * regionWidth, i = y * width + left; x < right; x++, k++, i++) {
        if (refined[k] > best[i]) {
          best[i] = refined[k];
          labels[i] = id;
        }
      }
    }
  }
  const scores = new Map(result.objects.map((o) => [o.id, o.score]));
  const visible = describeLabels(labels, width, height, scores);
  const shown = new Set(visible.map((o) => o.id));
  const hidden: TrackedObject[] = result.objects
    .filter((o) => !shown.has(o.id))
    .map((o) => ({ ...o, area: 0, bbox: [0, 0, 0, 0], score: o.occluded ? o.score : 0, occluded: true }));
  return { ...result, labels, objects: [...visible, ...hidden].sort((a, b) => a.id - b.id) };
}
