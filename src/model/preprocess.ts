/** DINO's ImageNet normalisation, the one place these constants live. */
export const imagenetMean = [0.485, 0.456, 0.406] as const;
export const imagenetStd = [0.229, 0.224, 0.225] as const;

// One lookup per channel turns a byte into its normalised value without arithmetic per pixel.
const lookup = imagenetMean.map((mean, c) => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean) / imagenetStd[c];
  return table;
});

/**
 * Writes one RGB24 frame into a batch tensor as normalised planes, in place.
 * @param rgb `[height, width, 3]` bytes
 * @param batch `[B, 3, height, width]` float32, written at `slot`
 */
export function writeNormalisedFrame_(rgb: Uint8Array, batch: Float32Array, slot: number, width: number, height: number): void {
  const plane = width * height;
  if (rgb.length !== plane * 3) throw new RangeError(`frame has ${rgb.length} bytes, expected ${plane * 3} for ${width}x${height}`);
  const base = slot * 3 * plane;
  const [red, green, blue] = lookup;
  for (let i = 0, p = 0; i < plane; i++, p += 3) {
    batch[base + i] = red[rgb[p]];
    batch[base + plane + i] = green[rgb[p + 1]];
    batch[base + 2 * plane + i] = blue[rgb[p + 2]];
  }
}

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
