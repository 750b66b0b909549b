import type { PixelRegion } from '../track/upsample.js';
import { getBoxMean } from './box-filter.js';

/** How the guided filter smooths: window radius and regularisation, and the subsampling that makes it fast. */
export interface GuidedFilterOptions {
  /** Window radius in frame pixels. */
  radius: number;
  /** Regularisation on colours in [0, 1]: larger keeps the input, smaller follows the frame's edges. */
  epsilon: number;
  /** The linear coefficients are computed on a grid this many times coarser (He & Sun's fast guided filter). */
  subsample: number;
}

/** One RGB frame `[height, width, 3]` as the guide, with its coarse colours when shared by several regions. */
export interface GuideImage {
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Mean colours of the whole frame's `step × step` blocks, `[3, rows*cols]`: regions aligned to the blocks crop them. */
  coarse?: { step: number; rows: number; cols: number; channels: Float32Array[] };
}

/** A guide whose block colours are computed once for the frame, for every object's region. */
export function createGuide(pixels: Uint8Array, width: number, height: number, step: number): GuideImage {
  const rows = Math.ceil(height / step);
  const cols = Math.ceil(width / step);
  const guide: GuideImage = { pixels, width, height };
  return { ...guide, coarse: { step, rows, cols, channels: getCoarseGuide(guide, [0, 0, width, height], step, rows, cols) } };
}

/** A region grown to whole `step × step` blocks of the frame (or its edge), so that it can crop a shared coarse guide. */
export function alignRegion([left, top, right, bottom]: PixelRegion, step: number, width: number, height: number): PixelRegion {
  return [left - (left % step), top - (top % step), Math.min(width, Math.ceil(right / step) * step), Math.min(height, Math.ceil(bottom / step) * step)];
}

/** The region's blocks of the guide: cropped from the shared coarse guide when aligned with it, else computed. */
function getRegionGuide(guide: GuideImage, region: PixelRegion, step: number, rows: number, cols: number): Float32Array[] {
  const [left, top] = region;
  const { coarse } = guide;
  if (!coarse || coarse.step !== step || left % step !== 0 || top % step !== 0 || !isAligned(region, step, guide)) return getCoarseGuide(guide, region, step, rows, cols);
  const [r0, c0] = [top / step, left / step];
  return coarse.channels.map((channel) => {
    const out = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) out.set(channel.subarray((r0 + r) * coarse.cols + c0, (r0 + r) * coarse.cols + c0 + cols), r * cols);
    return out;
  });
}

function isAligned([, , right, bottom]: PixelRegion, step: number, guide: GuideImage): boolean {
  return (right % step === 0 || right === guide.width) && (bottom % step === 0 || bottom === guide.height);
}

/** Mean colour (0–1) of each `step × step` block of the region: the guide at the coarse grid, `[3, rows*cols]`. */
function getCoarseGuide(guide: GuideImage, region: PixelRegion, step: number, rows: number, cols: number): Float32Array[] {
  const [left, top, right, bottom] = region;
  const channels = [new Float32Array(rows * cols), new Float32Array(rows * cols), new Float32Array(rows * cols)];
  for (let r = 0; r < rows; r++) {
    const y1 = Math.min(bottom, top + (r + 1) * step);
    for (let c = 0; c < cols; c++) {
      const x1 = Math.min(right, left + (c + 1) * step);
      let red = 0;
      let green = 0;
      let blue = 0;
      let count = 0;
      for (let y = top + r * step; y < y1; y++) {
        for (let x = left + c * step, k = (y * guide.width + x) * 3; x < x1; x++, k += 3) {
          red += guide.pixels[k];
          green += guide.pixels[k + 1];
          blue += guide.pixels[k + 2];
          count++;
        }
      }
      const scale = 1 / (255 * count);
      channels[0][r * cols + c] = red * scale;
      channels[1][r * cols + c] = green * scale;
      channels[2][r * cols + c] = blue * scale;
    }
  }
  return channels;
}

/** Mean of each `step × step` block of a region-sized map `[height, width]` → `[rows, cols]`. */
function getCoarseMap(map: Float32Array, width: number, height: number, step: number, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const y1 = Math.min(height, (r + 1) * step);
    for (let c = 0; c < cols; c++) {
      const x1 = Math.min(width, (c + 1) * step);
      let sum = 0;
      for (let y = r * step; y < y1; y++) for (let x = c * step; x < x1; x++) sum += map[y * width + x];
      out[r * cols + c] = sum / ((y1 - r * step) * (x1 - c * step));
    }
  }
  return out;
}

/**
 * Where one object's refined mask is written: frame-sized running maxima, so that once all
 * objects are written a pixel is an object where the strongest value passes the threshold
 * (`strongest`, as without refinement) and belongs to the strongest object that may take it
 * (`best`, `labels`): one whose winning patches, upsampled, are within `seam` of the strongest
 * object's there (`reach`). A colour fit cannot tell same-coloured objects apart: one of two touching
 * look-alikes took the other's pixels patches away from its own.
 */
export interface MaskVote {
  id: number;
  /** `[height, width]` of the frame: the strongest value so far of an object that may take the pixel (start at −∞). */
  best: Float32Array;
  /** `[height, width]` of the frame: the id that holds `best`. */
  labels: Uint16Array;
  /** `[height, width]` of the frame: the strongest value so far of any object (start at 0). */
  strongest: Float32Array;
  /** `[height, width]` of the frame: the strongest object's winning patches, upsampled. */
  reach: Float32Array;
  /** An object takes a pixel only where its winning patches, upsampled (`own`), are at least `reach` minus this. */
  seam: number;
  /** `[height, width]` of the region being written: its object's winning patches, upsampled (its mask itself when that is 0/1). */
  own: Float32Array;
}

/**
 * Colour guided filter (He, Sun & Tang, "Guided Image Filtering", 2013) of a soft mask
 * over one region of the frame, in its fast form (He & Sun 2015): in every window the
 * mask is fitted as a linear function of the frame's colour, `a·I + b`; `a` and `b` are
 * computed on a grid `subsample` times coarser and interpolated back. The output blends the
 * fit with the input by how much the frame varies there, `w = var(I) / (var(I) + ε)`: across
 * an edge the fit pulls the mask onto it; where the frame is flat the mask is kept as it
 * was rather than blurred (the plain filter would round its corners there).
 * Each refined pixel is voted straight into `vote` (no region-sized output to allocate and
 * read again).
 * @param mask `[height, width]` of the region (height = bottom − top, width = right − left)
 */
export function filterGuided(mask: Float32Array, guide: GuideImage, region: PixelRegion, options: GuidedFilterOptions, vote: MaskVote): void {
  const [left, top, right, bottom] = region;
  const width = right - left;
  const height = bottom - top;
  const step = Math.max(1, Math.round(options.subsample));
  const rows = Math.ceil(height / step);
  const cols = Math.ceil(width / step);
  const radius = Math.max(1, Math.round(options.radius / step));
  const n = rows * cols;
  const box = (map: Float32Array): Float32Array => getBoxMean(map, cols, rows, radius);
  const [red, green, blue] = getRegionGuide(guide, region, step, rows, cols); // each [rows*cols]
  const p = getCoarseMap(mask, width, height, step, rows, cols);
  const product = (a: Float32Array, b: Float32Array): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
    return out;
  };
  const [meanR, meanG, meanB, meanP] = [box(red), box(green), box(blue), box(p)];
  const [meanRP, meanGP, meanBP] = [box(product(red, p)), box(product(green, p)), box(product(blue, p))];
  const [meanRR, meanRG, meanRB] = [box(product(red, red)), box(product(red, green)), box(product(red, blue))];
  const [meanGG, meanGB, meanBB] = [box(product(green, green)), box(product(green, blue)), box(product(blue, blue))];
  const coefficientR = new Float32Array(n);
  const coefficientG = new Float32Array(n);
  const coefficientB = new Float32Array(n);
  const offset = new Float32Array(n);
  const edge = new Float32Array(n);
  const e = options.epsilon;
  for (let i = 0; i < n; i++) {
    const mr = meanR[i];
    const mg = meanG[i];
    const mb = meanB[i];
    const mp = meanP[i];
    // Covariance of colour with the mask, and the colour covariance matrix (+ ε on the diagonal).
    const cr = meanRP[i] - mr * mp;
    const cg = meanGP[i] - mg * mp;
    const cb = meanBP[i] - mb * mp;
    const rr = meanRR[i] - mr * mr + e;
    const rg = meanRG[i] - mr * mg;
    const rb = meanRB[i] - mr * mb;
    const gg = meanGG[i] - mg * mg + e;
    const gb = meanGB[i] - mg * mb;
    const bb = meanBB[i] - mb * mb + e;
    // a = Σ⁻¹ c, by the adjugate of the symmetric 3×3 matrix.
    const i00 = gg * bb - gb * gb;
    const i01 = rb * gb - rg * bb;
    const i02 = rg * gb - rb * gg;
    const i11 = rr * bb - rb * rb;
    const i12 = rb * rg - rr * gb;
    const i22 = rr * gg - rg * rg;
    const det = rr * i00 + rg * i01 + rb * i02;
    const ar = (i00 * cr + i01 * cg + i02 * cb) / det;
    const ag = (i01 * cr + i11 * cg + i12 * cb) / det;
    const ab = (i02 * cr + i12 * cg + i22 * cb) / det;
    coefficientR[i] = ar;
    coefficientG[i] = ag;
    coefficientB[i] = ab;
    offset[i] = mp - ar * mr - ag * mg - ab * mb;
    // How much the window's colour varies, against ε: 0 on a flat frame, near 1 across an edge.
    const variance = rr + gg + bb - 3 * e;
    edge[i] = variance / (variance + e);
  }
  const smooth = [box(coefficientR), box(coefficientG), box(coefficientB), box(offset), box(edge)];
  applyCoefficients(smooth, getSettledCells(p, cols, rows, radius), mask, guide, region, step, rows, cols, vote);
}

/**
 * Cells where the mask is 0 or 1 throughout both windows that reach them: the fit's window
 * around every cell of the smoothing window, i.e. one window of twice the radius. There
 * a = 0 and b = p, so q = p exactly, and the pixels need no fit. On a large object that is
 * most of its box. (p is in [0, 1], so a mean of 0 or 1 means every value is.)
 * @returns `[rows*cols]` 1 where settled
 */
function getSettledCells(p: Float32Array, cols: number, rows: number, radius: number): Uint8Array {
  const reach = getBoxMean(p, cols, rows, 2 * radius);
  const settled = new Uint8Array(reach.length);
  for (let i = 0; i < reach.length; i++) if (reach[i] < settledTolerance || reach[i] > 1 - settledTolerance) settled[i] = 1;
  return settled;
}

/** Float32 round-off of box means of 0/1 maps stays far below this. */
const settledTolerance = 1e-6;

/**
 * q = w̄·(ā·I + b̄) + (1 − w̄)·p at every pixel of the region, w̄, ā and b̄ bilinearly
 * interpolated from the coarse grid (block centres), voted into the frame: q (as float32)
 * raises the frame's strongest value, and replaces its best value where it is larger and the
 * object may take the pixel (MaskVote).
 */
function applyCoefficients(coarse: Float32Array[], settled: Uint8Array, mask: Float32Array, guide: GuideImage, region: PixelRegion, step: number, rows: number, cols: number, vote: MaskVote): void {
  const [left, top, right, bottom] = region;
  const width = right - left;
  const height = bottom - top;
  const { id, best, labels, strongest, reach, seam, own } = vote;
  const pixels = guide.pixels;
  // Runs of pixels between the same two block centres: [start, end) in the region, and those two columns.
  const spans: { start: number; end: number; c0: number; c1: number }[] = [];
  const fx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const g = Math.min(Math.max((x + 0.5) / step - 0.5, 0), cols - 1);
    const c0 = Math.floor(g);
    fx[x] = g - c0;
    const last = spans[spans.length - 1];
    if (last && last.c0 === c0) last.end = x + 1;
    else spans.push({ start: x, end: x + 1, c0, c1: Math.min(c0 + 1, cols - 1) });
  }
  // One coarse row of each map, interpolated in y for the current pixel row: [5, cols].
  const [ar, ag, ab, b, w] = coarse.map(() => new Float32Array(cols));
  const lines = [ar, ag, ab, b, w];
  const toUnit = 1 / 255;
  for (let y = 0; y < height; y++) {
    const g = Math.min(Math.max((y + 0.5) / step - 0.5, 0), rows - 1);
    const r0 = Math.floor(g) * cols;
    const r1 = Math.min(Math.floor(g) + 1, rows - 1) * cols;
    const fy = g - Math.floor(g);
    for (let m = 0; m < 5; m++) {
      const map = coarse[m];
      const line = lines[m];
      for (let c = 0; c < cols; c++) line[c] = map[r0 + c] + (map[r1 + c] - map[r0 + c]) * fy;
    }
    const rowStart = (top + y) * guide.width + left;
    for (const { start, end, c0, c1 } of spans) {
      if (settled[r0 + c0] & settled[r0 + c1] & settled[r1 + c0] & settled[r1 + c1]) {
        for (let x = start, i = y * width + start, o = rowStart + start; x < end; x++, i++, o++) {
          if (mask[i] > strongest[o]) strongest[o] = mask[i];
          if (mask[i] > best[o] && own[i] >= reach[o] - seam) {
            best[o] = mask[i];
            labels[o] = id;
          }
        }
        continue;
      }
      // Along the span each coefficient moves linearly from its value at c0 to its value at c1.
      const [ar0, ag0, ab0, b0, w0] = [ar[c0], ag[c0], ab[c0], b[c0], w[c0]];
      const [arStep, agStep, abStep, bStep, wStep] = [ar[c1] - ar0, ag[c1] - ag0, ab[c1] - ab0, b[c1] - b0, w[c1] - w0];
      for (let x = start, i = y * width + start, o = rowStart + start, k = 3 * o; x < end; x++, i++, o++, k += 3) {
        const f = fx[x];
        const fit = (ar0 + arStep * f) * pixels[k] * toUnit + (ag0 + agStep * f) * pixels[k + 1] * toUnit + (ab0 + abStep * f) * pixels[k + 2] * toUnit + (b0 + bStep * f);
        const weight = w0 + wStep * f;
        const q = Math.fround(weight * fit + (1 - weight) * mask[i]);
        if (q > strongest[o]) strongest[o] = q;
        if (own[i] >= reach[o] - seam && q > best[o]) {
          best[o] = q;
          labels[o] = id;
        }
      }
    }
  }
}
