// Patch features for tracker tests: background along axis 0, 3x3-patch squares along
// their own axis, attention on the squares.
export function squareFeatures({ rows, cols, dim, heads }, squares) {
  const n = rows * cols;
  const axis = (k) => Float32Array.from({ length: dim }, (_, d) => (d === k ? 1 : 0));
  const patchTokens = new Float32Array(n * dim);
  const clsAttention = new Float32Array(heads * n).fill(1e-3);
  for (let i = 0; i < n; i++) patchTokens.set(axis(0), i * dim);
  for (const [r0, c0, k] of squares) {
    for (let r = r0; r < r0 + 3; r++) for (let c = c0; c < c0 + 3; c++) {
      patchTokens.set(axis(k), (r * cols + c) * dim);
      for (let h = 0; h < heads; h++) clsAttention[h * n + r * cols + c] = 1;
    }
  }
  return { patchTokens, clsAttention };
}
