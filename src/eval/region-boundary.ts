/**
 * DAVIS region (J) and boundary (F) measures for one binary mask pair, as the DAVIS
 * benchmark defines them: J is intersection over union; F is the F-measure of boundary
 * precision and recall, where a boundary pixel counts when the other boundary lies within
 * a disk of ceil(0.008 × image diagonal) pixels. Two empty masks score 1.
 */

export const boundaryTolerance = 0.008;

/** J: intersection over union of two `[height*width]` masks (non-zero = inside). */
export function getJaccard(prediction: ArrayLike<number>, truth: ArrayLike<number>): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i++) {
    const p = prediction[i] !== 0;
    const t = truth[i] !== 0;
    if (p && t) inter++;
    if (p || t) union++;
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * Boundary pixels, as davis2017-evaluation's `_seg2bmap`: pixels whose right, bottom or
 * bottom-right neighbour is on the other side of the mask's edge. Beyond the image a neighbour
 * is as the pixel itself (its last row compares only to the right, its last column only
 * downwards): taken as background, a mask touching the right or bottom edge had a boundary
 * there, which lowered F (a check against davis2017-evaluation, fixtures/check_davis_eval.py).
 */
export function getBoundary(mask: ArrayLike<number>, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = mask[i] !== 0;
      const right = x + 1 < width ? mask[i + 1] !== 0 : v;
      const down = y + 1 < height ? mask[i + width] !== 0 : v;
      const diagonal = x + 1 < width && y + 1 < height ? mask[i + width + 1] !== 0 : v;
      if (v !== right || v !== down || v !== diagonal) out[i] = 1;
    }
  }
  return out;
}

function dilate(boundary: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  const out = new Uint8Array(boundary.length);
  const offsets: [number, number][] = [];
  for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (dx * dx + dy * dy <= radius * radius) offsets.push([dx, dy]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!boundary[y * width + x]) continue;
      for (const [dx, dy] of offsets) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx >= 0 && ny >= 0 && nx < width && ny < height) out[ny * width + nx] = 1;
      }
    }
  }
  return out;
}

/** F: boundary F-measure of two masks with the DAVIS tolerance. */
export function getBoundaryF(prediction: ArrayLike<number>, truth: ArrayLike<number>, width: number, height: number): number {
  const radius = Math.ceil(boundaryTolerance * Math.hypot(width, height));
  const predicted = getBoundary(prediction, width, height);
  const expected = getBoundary(truth, width, height);
  let predictedCount = 0;
  let expectedCount = 0;
  for (let i = 0; i < predicted.length; i++) {
    predictedCount += predicted[i];
    expectedCount += expected[i];
  }
  if (predictedCount === 0 && expectedCount === 0) return 1;
  if (predictedCount === 0 || expectedCount === 0) return 0;
  const nearExpected = dilate(expected, width, height, radius);
  const nearPredicted = dilate(predicted, width, height, radius);
  let precise = 0;
  let recalled = 0;
  for (let i = 0; i < predicted.length; i++) {
    if (predicted[i] && nearExpected[i]) precise++;
    if (expected[i] && nearPredicted[i]) recalled++;
  }
  const precision = precise / predictedCount;
  const recall = recalled / expectedCount;
  return precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
}
