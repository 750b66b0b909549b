import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getBoxMean, refineFrame } from '../../dist/refine/index.js';
import { upsampleBilinear } from '../../dist/track/index.js';

// A 96×96 frame on a 6×6 grid of 16-px patches, as the tracker would hand it over.
const size = 96;
const patch = 16;
const grid = size / patch;

/** RGB frame `[size, size, 3]` from a predicate: inside → red, outside → blue (or one colour for both). */
function paint(inside, colours = [[200, 60, 50], [40, 60, 170]]) {
  const image = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) image.set(colours[inside(x, y) ? 0 : 1], (y * size + x) * 3);
  return image;
}

/** The patch mask a tracker would give: every patch the shape covers at least a quarter of. */
function getPatchMask(inside) {
  const soft = new Float32Array(grid * grid);
  for (let r = 0; r < grid; r++) for (let c = 0; c < grid; c++) {
    let covered = 0;
    for (let y = 0; y < patch; y++) for (let x = 0; x < patch; x++) covered += inside(c * patch + x, r * patch + y) ? 1 : 0;
    soft[r * grid + c] = covered >= (patch * patch) / 4 ? 1 : 0;
  }
  return soft;
}

/** What `--refine none` writes: the patch mask upsampled bilinearly, cut at one half. */
function getBlockyLabels(soft) {
  return Uint16Array.from(upsampleBilinear(soft, grid, grid, size, size), (v) => (v > 0.5 ? 1 : 0));
}

function getIou(labels, inside) {
  let inter = 0;
  let union = 0;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const a = labels[y * size + x] === 1;
    const b = inside(x, y);
    if (a && b) inter++;
    if (a || b) union++;
  }
  return inter / union;
}

const disc = (x, y) => (x + 0.5 - 45) ** 2 + (y + 0.5 - 50) ** 2 <= 27 ** 2;
const square = (x, y) => x >= 21 && x < 69 && y >= 27 && y < 75;

function frameOf(soft) {
  return { index: 0, width: size, height: size, labels: new Uint16Array(size * size), objects: [{ id: 1, area: 0, bbox: [0, 0, 0, 0], score: 1, occluded: false }], attention: new Float32Array(grid * grid), rows: grid, cols: grid, soft: new Map([[1, soft]]) };
}

describe('refineFrame (guided filter led by the frame)', () => {
  for (const [name, shape] of [['disc', disc], ['square off the patch grid', square]]) {
    it(`pulls a blocky patch mask onto a sharp-edged ${name}: IoU with the shape ≥ 0.95 (blocky: < 0.85)`, () => {
      const soft = getPatchMask(shape);
      const refined = refineFrame(frameOf(soft), paint(shape));
      const before = getIou(getBlockyLabels(soft), shape);
      const after = getIou(refined.labels, shape);
      assert.ok(before < 0.85, `the blocky mask already fits (IoU ${before.toFixed(3)}): the test shows nothing`);
      assert.ok(after >= 0.95, `refined IoU ${after.toFixed(3)} (blocky ${before.toFixed(3)})`);
      const object = refined.objects[0];
      assert.equal(object.area, refined.labels.filter((v) => v === 1).length);
    });
  }

  it('leaves the mask as it was where the frame has no edge (a flat grey frame): at most 1% of pixels change', () => {
    const soft = getPatchMask(disc);
    const refined = refineFrame(frameOf(soft), paint(() => false, [[90, 90, 90], [90, 90, 90]]));
    const blocky = getBlockyLabels(soft);
    const changed = refined.labels.filter((v, i) => v !== blocky[i]).length;
    assert.ok(changed <= 0.01 * size * size, `${changed} pixels changed`);
  });
});

describe('getBoxMean', () => {
  it('averages each (2r+1)² window, cut at the border and divided by the pixels it holds', () => {
    // [2, 3]
    const means = getBoxMean(Float32Array.from([1, 2, 3, 4, 5, 6]), 3, 2, 1);
    assert.deepEqual([...means], [3, 3.5, 4, 3, 3.5, 4]);
  });
});

describe('refineFrame on a small object at a coarse grid (240 lines: 32-px patches)', () => {
  // The five-armed star of the rendered benchmark (rx 34 px, about 1,650 px: under two patches), over a muted background.
  const [w, h, patch] = [256, 192, 32];
  const [rows, cols] = [h / patch, w / patch];
  const starAt = (cx, cy) => (x, y) => {
    const [dx, dy] = [x + 0.5 - cx, y + 0.5 - cy];
    return Math.hypot(dx, dy) <= 34 * (0.62 + 0.38 * Math.cos(5 * Math.atan2(dy, dx)));
  };
  for (const [cx, cy] of [[100, 90], [90, 110], [128, 96]]) {
    it(`keeps the star at (${cx}, ${cy}) whole when its patches are tracked: ≥ 0.9 of its area, IoU ≥ 0.9`, () => {
      const star = starAt(cx, cy);
      const image = new Uint8Array(w * h * 3);
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) image.set(star(x, y) ? [230, 200, 70] : [120, 118, 105], (y * w + x) * 3);
      // The tracker's mask: every patch the star covers at least a quarter of (2–4 patches here).
      const soft = new Float32Array(rows * cols);
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
        let covered = 0;
        for (let y = 0; y < patch; y++) for (let x = 0; x < patch; x++) covered += star(c * patch + x, r * patch + y) ? 1 : 0;
        soft[r * cols + c] = covered >= (patch * patch) / 4 ? 1 : 0;
      }
      const frame = { index: 0, width: w, height: h, labels: new Uint16Array(w * h), objects: [{ id: 1, area: 0, bbox: [0, 0, 0, 0], score: 1, occluded: false }], attention: new Float32Array(rows * cols), rows, cols, soft: new Map([[1, soft]]) };
      const { labels } = refineFrame(frame, image);
      let [truth, kept, predicted] = [0, 0, 0];
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const [a, b] = [star(x, y), labels[y * w + x] === 1];
        truth += a ? 1 : 0;
        predicted += b ? 1 : 0;
        kept += a && b ? 1 : 0;
      }
      assert.ok(kept >= 0.9 * truth, `kept ${kept} of ${truth} pixels`);
      assert.ok(kept / (truth + predicted - kept) >= 0.9, `IoU ${(kept / (truth + predicted - kept)).toFixed(3)}`);
    });
  }
});
