/**
 * Nearest-neighbour resampling of a label map with pixel centres (PIL's NEAREST, which
 * DINO's evaluation uses for masks): labels are never blended.
 */
export function resizeLabels(labels: ArrayLike<number>, fromWidth: number, fromHeight: number, toWidth: number, toHeight: number): Uint16Array {
  const out = new Uint16Array(toWidth * toHeight);
  for (let y = 0; y < toHeight; y++) {
    const sy = Math.min(fromHeight - 1, Math.floor(((y + 0.5) * fromHeight) / toHeight));
    for (let x = 0; x < toWidth; x++) {
      const sx = Math.min(fromWidth - 1, Math.floor(((x + 0.5) * fromWidth) / toWidth));
      out[y * toWidth + x] = labels[sy * fromWidth + sx];
    }
  }
  return out;
}
