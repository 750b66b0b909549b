// Small tracker results for writer tests: objects are rectangles in a label map.

/**
 * @param index frame index
 * @param boxes { id: [x, y, width, height] } visible objects; `hidden` ids are occluded
 */
export function makeFrameResult(index, { width = 16, height = 12, boxes = {}, hidden = [] } = {}) {
  const labels = new Uint16Array(width * height);
  const objects = [];
  for (const [key, [x, y, w, h]] of Object.entries(boxes)) {
    const id = Number(key);
    for (let row = y; row < y + h; row++) labels.fill(id, row * width + x, row * width + x + w);
    objects.push({ id, area: w * h, bbox: [x, y, w, h], score: 0.5, occluded: false });
  }
  for (const id of hidden) objects.push({ id, area: 0, bbox: [0, 0, 0, 0], score: 0, occluded: true });
  return { index, width, height, labels, objects, attention: new Float32Array(1), rows: 1, cols: 1 };
}

/** Lets pending file writes reach the disk. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
