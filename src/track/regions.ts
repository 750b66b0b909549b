import type { TrackedObject } from './types.js';
import type { PixelRegion } from './upsample.js';

/**
 * Area and bounding box of every id in a label map, in one pass.
 * @param region where labels may be non-zero (the caller knows the rest is 0): only it is read
 */
export function describeLabels(labels: Uint16Array, width: number, height: number, scores: Map<number, number>, region: PixelRegion = [0, 0, width, height]): TrackedObject[] {
  const boxes = new Map<number, { area: number; minX: number; minY: number; maxX: number; maxY: number }>();
  const [left, top, right, bottom] = region;
  for (let y = top; y < bottom; y++) {
    const row = y * width;
    // Runs of one id along the row: one map look-up per run, not per pixel.
    for (let x = left; x < right; ) {
      const id = labels[row + x];
      const start = x;
      while (x < right && labels[row + x] === id) x++;
      if (id === 0) continue;
      let box = boxes.get(id);
      if (!box) boxes.set(id, (box = { area: 0, minX: start, minY: y, maxX: x - 1, maxY: y }));
      box.area += x - start;
      if (start < box.minX) box.minX = start;
      if (x - 1 > box.maxX) box.maxX = x - 1;
      if (y > box.maxY) box.maxY = y;
    }
  }
  return [...boxes.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, box]) => ({
      id,
      area: box.area,
      bbox: [box.minX, box.minY, box.maxX - box.minX + 1, box.maxY - box.minY + 1],
      score: scores.get(id) ?? 1,
      occluded: false,
    }));
}
