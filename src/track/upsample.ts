/**
 * Bilinear upsampling of a patch-grid map to pixels, with half-pixel centres (each
 * patch's value sits at its centre), so smooth attention gives smooth mask edges.
 * @param grid `[rows, cols]`
 * @returns `[height, width]`
 */
export function upsampleBilinear(grid: Float32Array, rows: number, cols: number, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const x0 = new Int32Array(width);
  const x1 = new Int32Array(width);
  const fx = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const g = Math.min(Math.max(((x + 0.5) * cols) / width - 0.5, 0), cols - 1);
    x0[x] = Math.floor(g);
    x1[x] = Math.min(x0[x] + 1, cols - 1);
    fx[x] = g - x0[x];
  }
  for (let y = 0; y < height; y++) {
    const g = Math.min(Math.max(((y + 0.5) * rows) / height - 0.5, 0), rows - 1);
    const y0 = Math.floor(g);
    const y1 = Math.min(y0 + 1, rows - 1);
    const fy = g - y0;
    const top = y0 * cols;
    const bottom = y1 * cols;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const a = grid[top + x0[x]] + (grid[top + x1[x]] - grid[top + x0[x]]) * fx[x];
      const b = grid[bottom + x0[x]] + (grid[bottom + x1[x]] - grid[bottom + x0[x]]) * fx[x];
      out[row + x] = a + (b - a) * fy;
    }
  }
  return out;
}
