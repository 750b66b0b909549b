import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drawMasks_, getOverlayColor } from '../../dist/export/index.js';
import { getLabelSizes } from '../../dist/export/draw.js';

/** A frame with one square object of `id` and the overlay drawn on a dark picture. */
function drawSquare(width, height, id, [x0, y0, size]) {
  const labels = new Uint16Array(width * height);
  for (let y = y0; y < y0 + size; y++) labels.fill(id, y * width + x0, y * width + x0 + size);
  const image = new Uint8Array(width * height * 3).fill(30);
  drawMasks_(image, { index: 0, width, height, labels, rows: 1, cols: 1, attention: new Float32Array(1), objects: [{ id, area: size * size, bbox: [x0, y0, size, size], score: 1, occluded: false }] });
  return image;
}

/** Rows (from the box's top) in which the object's colour appears away from its outline. */
function countLabelRows(image, width, id, [x0, y0, size], outline) {
  const color = getOverlayColor(id);
  let rows = 0;
  for (let y = y0 + outline; y < y0 + size / 2; y++) {
    let found = false;
    for (let x = x0 + outline; x < x0 + size / 2 && !found; x++) {
      const p = (y * width + x) * 3;
      found = image[p] === color[0] && image[p + 1] === color[1] && image[p + 2] === color[2];
    }
    if (found) rows++;
  }
  return rows;
}

describe('overlay drawing', () => {
  for (const [width, height] of [[854, 480], [3840, 2160]]) {
    it(`id labels are about 3% of the frame's height at ${width}x${height}, and outlines grow with it`, () => {
      const box = [100, 100, Math.round(height / 3)];
      const { outline } = getLabelSizes(width, height);
      const rows = countLabelRows(drawSquare(width, height, 7, box), width, 7, box, outline);
      assert.ok(rows >= 0.025 * height && rows <= 0.045 * height, `label ${rows} rows tall in ${height}`);
      if (height >= 2160) assert.ok(outline >= 3, `outline ${outline} px at 4K`);
    });
  }
});
