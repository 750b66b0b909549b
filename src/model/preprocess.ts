/** DINO's ImageNet normalisation, the one place these constants live. */
export const imagenetMean = [0.485, 0.456, 0.406] as const;
export const imagenetStd = [0.229, 0.224, 0.225] as const;

// One lookup per channel turns a byte into its normalised value without arithmetic per pixel.
const lookup = imagenetMean.map((mean, c) => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean) / imagenetStd[c];
  return table;
});

/** Whether this machine stores a 32-bit word's low byte first (x86 and ARM do), which readWords assumes. */
const littleEndian = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Writes one RGB24 frame into a batch tensor as normalised planes, in place.
 * @param rgb `[height, width, 3]` bytes
 * @param batch `[B, 3, height, width]` float32, written at `slot`
 */
export function writeNormalisedFrame_(rgb: Uint8Array, batch: Float32Array, slot: number, width: number, height: number): void {
  const plane = width * height;
  if (rgb.length !== plane * 3) throw new RangeError(`frame has ${rgb.length} bytes, expected ${plane * 3} for ${width}x${height}`);
  const base = slot * 3 * plane;
  const planes = [0, 1, 2].map((c) => batch.subarray(base + c * plane, base + (c + 1) * plane)) as [Float32Array, Float32Array, Float32Array];
  // Decoded frames are buffers of their own (offset 0); a view at another offset is read bytewise.
  const done = littleEndian && rgb.byteOffset % 4 === 0 ? readWords(rgb, planes) : 0;
  readBytes(rgb, planes, done);
}

/**
 * Four pixels at a time from three 32-bit words: a third of the loads of reading bytes, and
 * 1.2 against 1.7 ms a 848x480 frame on the development machine (test/bench/normalise.js):
 * on a GPU machine this is main-thread time in every frame.
 * @returns pixels written (a multiple of 4)
 */
function readWords(rgb: Uint8Array, [red, green, blue]: [Float32Array, Float32Array, Float32Array]): number {
  const [r, g, b] = lookup;
  const words = new Uint32Array(rgb.buffer, rgb.byteOffset, Math.floor(rgb.length / 12) * 3);
  let i = 0;
  for (let q = 0; q < words.length; i += 4, q += 3) {
    const w0 = words[q];
    const w1 = words[q + 1];
    const w2 = words[q + 2];
    red[i] = r[w0 & 255];
    green[i] = g[(w0 >>> 8) & 255];
    blue[i] = b[(w0 >>> 16) & 255];
    red[i + 1] = r[w0 >>> 24];
    green[i + 1] = g[w1 & 255];
    blue[i + 1] = b[(w1 >>> 8) & 255];
    red[i + 2] = r[(w1 >>> 16) & 255];
    green[i + 2] = g[w1 >>> 24];
    blue[i + 2] = b[w2 & 255];
    red[i + 3] = r[(w2 >>> 8) & 255];
    green[i + 3] = g[(w2 >>> 16) & 255];
    blue[i + 3] = b[w2 >>> 24];
  }
  return i;
}

/** Pixels from `from` on, a byte at a time. */
function readBytes(rgb: Uint8Array, [red, green, blue]: [Float32Array, Float32Array, Float32Array], from: number): void {
  const [r, g, b] = lookup;
  for (let i = from, p = 3 * from; p < rgb.length; i++, p += 3) {
    red[i] = r[rgb[p]];
    green[i] = g[rgb[p + 1]];
    blue[i] = b[rgb[p + 2]];
  }
}

/** The largest `--short-side`: an 8K frame's 4320 lines. */
export const largestShortSide = 4320;

/**
 * The largest side `models prepare --size` (and the library's prepareModel) takes: an 8K frame's
 * 7680 px, rounded up to a power of two. It bounds preparation's own work: the position
 * embeddings are resized to the patch grid in this process, and a second trial's
 * `--size 99984x99984` held 22 GB for 170 s before it failed with "Invalid typed array length".
 */
export const largestInputSide = 8192;

/**
 * The model input size for a frame: short side scaled to `shortSide`, both sides
 * rounded to the nearest multiple of the patch size (aspect ratio kept within one patch).
 * A frame smaller than that keeps its own size unless `upscale`: enlarging a 240-line
 * video to 480 lines costs four times the compute and adds no detail.
 */
export function getModelInputSize(width: number, height: number, shortSide: number, patchSize: number, upscale = false): { width: number; height: number } {
  const target = upscale ? shortSide : Math.min(shortSide, Math.min(width, height));
  const scale = target / Math.min(width, height);
  const round = (v: number): number => Math.max(patchSize, Math.round((v * scale) / patchSize) * patchSize);
  return { width: round(width), height: round(height) };
}
