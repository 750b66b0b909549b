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
 * Colour guided filter (He, Sun & Tang, "Guided Image Filtering", 2013) of a soft mask
 * over one region of the frame, in its fast form (He & Sun 2015): in every window the
 * mask is fitted as a linear function of the frame's colour, `a·I + b`; `a` and `b` are
 * computed on a grid `subsample` times coarser and interpolated back. The output blends the
 * fit with the input by how much the frame varies there, `w = var(I) / (var(I) + ε)`: across
 * an edge the fit pulls the mask onto it; where the frame is flat the mask is kept as it
 * was rather than blurred (the plain filter would round its corners there).
 * @param mask `[height, width]` of the region (height = bottom − top, width = right − left)
 * @returns `[height, width]` of the region
 */
export function filterGuided(mask: Float32Array, guide: GuideImage, region: PixelRegion, options: GuidedFilterOptions): Float32Array {
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
    const [mr, mg, mb, mp] = [meanR[i], meanG[i], meanB[i], meanP[i]];
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
  return applyCoefficients(smooth, getSettledCells(p, meanP, box), mask, guide, region, step, rows, cols);
}

/**
 * Cells where the mask is 0 or 1 throughout both windows that reach them (p constant in
 * every window of every window): there a = 0 and b = p, so q = p exactly, and the pixels
 * need no work. On a large object that is most of its box.
 * @returns `[rows*cols]` 1 where settled
 */
function getSettledCells(p: Float32Array, meanP: Float32Array, box: (map: Float32Array) => Float32Array): Uint8Array {
  const variance = new Float32Array(p.length);
  const meanSquare = box(Float32Array.from(p, (v) => v * v));
  for (let i = 0; i < p.length; i++) variance[i] = meanSquare[i] - meanP[i] * meanP[i];
  const spread = box(variance);
  return Uint8Array.from(spread, (v, i) => (v < settledTolerance && (meanP[i] < settledTolerance || meanP[i] > 1 - settledTolerance) ? 1 : 0));
}

/** Float32 round-off of box means of 0/1 maps stays far below this. */
const settledTolerance = 1e-6;

/** q = w̄·(ā·I + b̄) + (1 − w̄)·p at every pixel of the region, w̄, ā and b̄ bilinearly interpolated from the coarse grid (block centres). */
function applyCoefficients(coarse: Float32Array[], settled: Uint8Array, mask: Float32Array, guide: GuideImage, region: PixelRegion, step: number, rows: number, cols: number): Float32Array {
  const [left, top, right, bottom] = region;
  const width = right - left;
  const height = bottom - top;
  const out = new Float32Array(width * height); // [height, width]
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const fx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const g = Math.min(Math.max((x + 0.5) / step - 0.5, 0), cols - 1);
    x0[x] = Math.floor(g);
    x1[x] = Math.min(x0[x] + 1, cols - 1);
    fx[x] = g - x0[x];
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
    coarse.forEach((map, m) => {
      for (let c = 0; c < cols; c++) lines[m][c] = map[r0 + c] + (map[r1 + c] - map[r0 + c]) * fy;
    });
    let k = ((top + y) * guide.width + left) * 3;
    for (let x = 0, i = y * width; x < width; x++, k += 3, i++) {
      const c0 = x0[x];
      const c1 = x1[x];
      if (settled[r0 + c0] & settled[r0 + c1] & settled[r1 + c0] & settled[r1 + c1]) {
        out[i] = mask[i];
        continue;
      }
      const f = fx[x];
      const fit = (ar[c0] + (ar[c1] - ar[c0]) * f) * guide.pixels[k] * toUnit
        + (ag[c0] + (ag[c1] - ag[c0]) * f) * guide.pixels[k + 1] * toUnit
        + (ab[c0] + (ab[c1] - ab[c0]) * f) * guide.pixels[k + 2] * toUnit
        + (b[c0] + (b[c1] - b[c0]) * f);
      const weight = w[c0] + (w[c1] - w[c0]) * f;
      out[i] = weight * fit + (1 - weight) * mask[i];
    }
  }
  return out;
}
