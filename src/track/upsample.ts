/** Pixel rectangle `[left, top, right, bottom)`. */
export type PixelRegion = [number, number, number, number];

/**
 * The pixels an upsampled patch box can reach (its patches and the half patch around
 * them that interpolation blends into); outside it the upsampled value is exactly 0.
 * @param box `[firstRow, firstCol, lastRow, lastCol]` in patches
 */
export function getUpsampledRegion(box: [number, number, number, number], rows: number, cols: number, width: number, height: number): PixelRegion {
  const [r0, c0, r1, c1] = box;
  return [
    Math.max(0, Math.floor(((c0 - 0.5) * width) / cols)),
    Math.max(0, Math.floor(((r0 - 0.5) * height) / rows)),
    Math.min(width, Math.ceil(((c1 + 1.5) * width) / cols)),
    Math.min(height, Math.ceil(((r1 + 1.5) * height) / rows)),
  ];
}

/**
 * Bilinear upsampling of a patch-grid map to pixels, with half-pixel centres (each
 * patch's value sits at its centre), so smooth attention gives smooth mask edges.
 * @param grid `[rows, cols]`
 * @param region only these pixels are computed (the rest stay 0): masks are small, frames are not
 * @returns `[height, width]`
 */
export function upsampleBilinear(grid: Float32Array, rows: number, cols: number, width: number, height: number, region: PixelRegion = [0, 0, width, height]): Float32Array {
  const out = new Float32Array(width * height);
  writeUpsampledRegion(grid, rows, cols, width, height, region, out, region[1] * width + region[0], width);
  return out;
}

/**
 * The same bilinear upsampling, only for one region and into an array of the region's size.
 * @param grid `[rows, cols]`
 * @returns `[bottom − top, right − left]`
 */
export function upsampleBilinearRegion(grid: Float32Array, rows: number, cols: number, width: number, height: number, region: PixelRegion): Float32Array {
  const [left, top, right, bottom] = region;
  const out = new Float32Array((right - left) * (bottom - top));
  writeUpsampledRegion(grid, rows, cols, width, height, region, out, 0, right - left);
  return out;
}

/** Writes the region's upsampled pixels into `out` (zeros there), its top-left pixel at `offset`, rows `stride` apart. */
function writeUpsampledRegion(grid: Float32Array, rows: number, cols: number, width: number, height: number, region: PixelRegion, out: Float32Array, offset: number, stride: number): void {
  const [left, top, right, bottom] = region;
  const span = right - left;
  const fx = new Float32Array(span);
  // Runs of pixels between the same two patch centres: [start, end) in the region, and those two columns.
  const runs: { start: number; end: number; c0: number; c1: number }[] = [];
  for (let k = 0; k < span; k++) {
    const g = Math.min(Math.max(((left + k + 0.5) * cols) / width - 0.5, 0), cols - 1);
    const c0 = Math.floor(g);
    fx[k] = g - c0;
    const last = runs[runs.length - 1];
    if (last && last.c0 === c0) last.end = k + 1;
    else runs.push({ start: k, end: k + 1, c0, c1: Math.min(c0 + 1, cols - 1) });
  }
  for (let y = top; y < bottom; y++) {
    const g = Math.min(Math.max(((y + 0.5) * rows) / height - 0.5, 0), rows - 1);
    const y0 = Math.floor(g);
    const y1 = Math.min(y0 + 1, rows - 1);
    const fy = g - y0;
    const upper = y0 * cols;
    const lower = y1 * cols;
    const row = offset + (y - top) * stride;
    for (const { start, end, c0, c1 } of runs) {
      // Along a run each row of the grid moves linearly between its two patch centres.
      const a0 = grid[upper + c0];
      const aStep = grid[upper + c1] - a0;
      const b0 = grid[lower + c0];
      const bStep = grid[lower + c1] - b0;
      // All four centres 0 (most of a mask's surroundings): the pixels stay the 0 they are.
      if (a0 === 0 && aStep === 0 && b0 === 0 && bStep === 0) continue;
      for (let k = start; k < end; k++) {
        const a = a0 + aStep * fx[k];
        const b = b0 + bStep * fx[k];
        out[row + k] = a + (b - a) * fy;
      }
    }
  }
}
