/** Small vector helpers on patch tokens `[n, dim]`, row-major. */

/** L2-normalises each row into a new array. */
export function normalizeRows(tokens: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(tokens.length);
  for (let base = 0; base < tokens.length; base += dim) {
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += tokens[base + d] * tokens[base + d];
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) out[base + d] = tokens[base + d] * scale;
  }
  return out;
}

/** The mean of the rows, in float64 (the centred forms subtract it from each row). */
function getMeanRow(tokens: Float32Array, dim: number): Float64Array {
  const n = tokens.length / dim;
  const mean = new Float64Array(dim);
  for (let base = 0; base < tokens.length; base += dim) for (let d = 0; d < dim; d++) mean[d] += tokens[base + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  return mean;
}

/**
 * Rows with the frame's mean row taken away, then unit length. ViT tokens share a large
 * common component (LayerNorm's output, and whatever the whole frame has in common), so raw
 * cosines between unrelated patches sit well above 0 and drift with the scene; relative to
 * the frame's mean, the tracker's cosine thresholds mean the same in any video.
 */
export function centreAndNormalizeRows(tokens: Float32Array, dim: number): Float32Array {
  const mean = getMeanRow(tokens, dim);
  const centred = new Float32Array(tokens.length);
  for (let base = 0; base < tokens.length; base += dim) for (let d = 0; d < dim; d++) centred[base + d] = tokens[base + d] - mean[d];
  return normalizeRows(centred, dim);
}

/** A frame's tokens as unit rows, as they are and relative to the frame's mean row. */
export interface UnitRows {
  /** Each row at unit length: what label propagation ranks neighbours by, as DINO does. */
  raw: Float32Array;
  /** `centreAndNormalizeRows`' rows: what regions and cosine thresholds compare. */
  centred: Float32Array;
}

/**
 * Both of a frame's unit-row forms in two passes over the tokens instead of five (the
 * tracker wants both for every frame): the mean row, then each row's two norms and both
 * outputs while the row is still in cache. The same values as `normalizeRows` and
 * `centreAndNormalizeRows`.
 * @param reuse arrays of a frame no longer needed, overwritten when their length fits: two
 *   fresh arrays each frame (2 x 2.4 MB at 480x848 with ViT-S) cost more in first-touch page
 *   faults than the arithmetic (profiled on the development CPU, `track --features` at 480x848:
 *   getUnitRows was 709 of the main thread's 2510 busy ms, 401 with reuse)
 */
export function getUnitRows(tokens: Float32Array, dim: number, reuse?: UnitRows): UnitRows {
  const mean = getMeanRow(tokens, dim);
  const fits = reuse !== undefined && reuse.raw.length === tokens.length && reuse.centred.length === tokens.length;
  const raw = fits ? reuse.raw : new Float32Array(tokens.length);
  const centred = fits ? reuse.centred : new Float32Array(tokens.length);
  for (let base = 0; base < tokens.length; base += dim) {
    let rawNorm = 0;
    let centredNorm = 0;
    for (let d = 0; d < dim; d++) {
      const v = tokens[base + d];
      const c = Math.fround(v - mean[d]);
      rawNorm += v * v;
      centredNorm += c * c;
    }
    const rawScale = rawNorm > 0 ? 1 / Math.sqrt(rawNorm) : 0;
    const centredScale = centredNorm > 0 ? 1 / Math.sqrt(centredNorm) : 0;
    for (let d = 0; d < dim; d++) {
      const v = tokens[base + d];
      raw[base + d] = v * rawScale;
      centred[base + d] = Math.fround(v - mean[d]) * centredScale;
    }
  }
  return { raw, centred };
}

/** Unit-length mean of the rows selected by `mask`; undefined when none is. */
export function getMaskPrototype(tokens: Float32Array, dim: number, mask: Uint8Array): Float32Array | undefined {
  const sum = new Float32Array(dim);
  let count = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    count++;
    for (let d = 0; d < dim; d++) sum[d] += tokens[i * dim + d];
  }
  if (count === 0) return undefined;
  return normalizeRows(sum, dim);
}

/** Cosine of two unit vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += a[d] * b[d];
  return s;
}

/** Moves a prototype towards a new observation and renormalises it, in place. */
export function blendPrototype_(prototype: Float32Array, observation: Float32Array, rate: number): void {
  for (let d = 0; d < prototype.length; d++) prototype[d] = (1 - rate) * prototype[d] + rate * observation[d];
  prototype.set(normalizeRows(prototype, prototype.length));
}
