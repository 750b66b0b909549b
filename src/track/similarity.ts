/**
 * Cosine similarity between two sets of unit patch tokens: `[n, dim]` × `[m, dim]` → `[n, m]`.
 * The pipeline passes one backed by onnxruntime's matrix multiply (tens of times faster
 * than a JavaScript loop, which dominated tracking at ViT-S width); this JavaScript one
 * is the fallback for library callers and tests.
 */
export type Similarity = (targets: Float32Array, sources: Float32Array, dim: number) => Promise<Float32Array>;

export const jsSimilarity: Similarity = async (targets, sources, dim) => {
  const n = targets.length / dim;
  const m = sources.length / dim;
  const out = new Float32Array(n * m);
  for (let j = 0; j < n; j++) {
    const a = j * dim;
    for (let i = 0; i < m; i++) {
      const b = i * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) s += targets[a + d] * sources[b + d];
      out[j * m + i] = s;
    }
  }
  return out;
};
