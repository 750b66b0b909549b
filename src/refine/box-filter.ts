/**
 * Mean over a `(2r+1)²` window of every pixel of a `[height, width]` map, in O(n) from
 * running sums (one pass along rows, one along columns); windows are cut at the border
 * and divided by the pixels they really hold, as He et al.'s guided filter does.
 * @param source `[height, width]`
 * @returns `[height, width]`
 */
export function getBoxMean(source: Float32Array, width: number, height: number, radius: number): Float32Array {
  const rowSums = new Float32Array(width * height); // [height, width] sums along x
  for (let y = 0; y < height; y++) {
    const row = y * width;
    let sum = 0;
    for (let x = 0; x < Math.min(radius, width); x++) sum += source[row + x];
    for (let x = 0; x < width; x++) {
      if (x + radius < width) sum += source[row + x + radius];
      if (x - radius - 1 >= 0) sum -= source[row + x - radius - 1];
      rowSums[row + x] = sum;
    }
  }
  const out = new Float32Array(width * height);
  const sums = new Float64Array(width);
  for (let y = 0; y < Math.min(radius, height); y++) for (let x = 0; x < width; x++) sums[x] += rowSums[y * width + x];
  const countsX = new Int32Array(width);
  for (let x = 0; x < width; x++) countsX[x] = Math.min(width - 1, x + radius) - Math.max(0, x - radius) + 1;
  for (let y = 0; y < height; y++) {
    if (y + radius < height) for (let x = 0; x < width; x++) sums[x] += rowSums[(y + radius) * width + x];
    if (y - radius - 1 >= 0) for (let x = 0; x < width; x++) sums[x] -= rowSums[(y - radius - 1) * width + x];
    const countY = Math.min(height - 1, y + radius) - Math.max(0, y - radius) + 1;
    for (let x = 0, i = y * width; x < width; x++, i++) out[i] = sums[x] / (countsX[x] * countY);
  }
  return out;
}
