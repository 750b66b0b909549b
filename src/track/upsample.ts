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
  const [left, top, right, bottom] = region;
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const fx = new Float32Array(width);
  for (let x = left; x < right; x++) {
    const g = Math.min(Math.max(((x + 0.5) * cols) / width - 0.5, 0), cols - 1);
    x0[x] = Math.floor(g);
    x1[x] = Math.min(x0[x] + 1, cols - 1);
    fx[x] = g - x0[x];
  }
  for (let y = top; y < bottom; y++) {
    const g = Math.min(Math.max(((y + 0.5) * rows) / height - 0.5, 0), rows - 1);
    const y0 = Math.floor(g);
    const y1 = Math.min(y0 + 1, rows - 1);
    const fy = g - y0;
    const top = y0 * cols;
    const bottom = y1 * cols;
    const row = y * width;
    for (let x = left; x < right; x++) {
      const a = grid[top + x0[x]] + (grid[top + x1[x]] - grid[top + x0[x]]) * fx[x];
      const b = grid[bottom + x0[x]] + (grid[bottom + x1[x]] - grid[bottom + x0[x]]) * fx[x];
      out[row + x] = a + (b - a) * fy;
    }
  }
  return out;
}
