import type { TrackedObject } from './types.js';

/** Area and bounding box of every id in a label map, in one pass. */
export function describeLabels(labels: Uint16Array, width: number, height: number, scores: Map<number, number>): TrackedObject[] {
  const boxes = new Map<number, { area: number; minX: number; minY: number; maxX: number; maxY: number }>();
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const id = labels[row + x];
      if (id === 0) continue;
      let box = boxes.get(id);
      if (!box) boxes.set(id, (box = { area: 0, minX: x, minY: y, maxX: x, maxY: y }));
      box.area++;
      if (x < box.minX) box.minX = x;
      if (x > box.maxX) box.maxX = x;
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
