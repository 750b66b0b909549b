import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { interpolateResults } from '../../dist/track/index.js';

const width = 64;
const height = 32;

/** A key-frame result with square objects: [id, x, y, size]. */
function keyFrame(index, squares) {
  const labels = new Uint16Array(width * height);
  for (const [id, x0, y0, size] of squares) {
    for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) labels[y * width + x] = id;
  }
  const objects = squares.map(([id, x, y, size]) => ({ id, area: size * size, bbox: [x, y, size, size], score: 1, occluded: false }));
  return { index, width, height, labels, objects, attention: new Float32Array(4), rows: 2, cols: 2 };
}

const boxOf = (result, id) => result.objects.find((o) => o.id === id && !o.occluded)?.bbox;

describe('--stride interpolation', () => {
  it('moves an object along the line between its two key-frame positions', () => {
    const a = keyFrame(0, [[1, 4, 10, 8]]);
    const b = keyFrame(4, [[1, 36, 14, 8]]);
    assert.deepEqual(boxOf(interpolateResults(a, b, 0.5, 2), 1), [20, 12, 8, 8]);
    assert.deepEqual(boxOf(interpolateResults(a, b, 0.25, 1), 1), [12, 11, 8, 8]);
  });
  it('holds an object seen in one key frame only until halfway, then reports it hidden', () => {
    const a = keyFrame(0, [[1, 4, 4, 6], [2, 40, 4, 6]]);
    const b = keyFrame(4, [[2, 40, 4, 6]]);
    b.objects.push({ id: 1, area: 0, bbox: [0, 0, 0, 0], score: 0, occluded: true });
    const early = interpolateResults(a, b, 0.25, 1);
    const late = interpolateResults(a, b, 0.75, 3);
    assert.deepEqual(boxOf(early, 1), [4, 4, 6, 6]);
    assert.equal(boxOf(late, 1), undefined);
    assert.equal(late.objects.find((o) => o.id === 1)?.occluded, true);
    assert.deepEqual(boxOf(late, 2), [40, 4, 6, 6]);
    assert.equal(late.index, 3);
  });
});

describe('--stride interpolation: a mask that changed, not moved', () => {
  /** A key frame where object 1 is a still square, and in `b` also a second square far from it (a piece its mask took in). */
  function withPiece(index, piece) {
    const frame = keyFrame(index, [[1, 48, 4, 8]]);
    if (piece) {
      for (let y = 20; y < 28; y++) for (let x = 4; x < 12; x++) frame.labels[y * width + x] = 1;
      frame.objects[0] = { ...frame.objects[0], area: 128, bbox: [4, 4, 52, 24] };
    }
    return frame;
  }

  it('does not slide a still object\'s mask onto the background when its mask takes in a far piece', () => {
    // The box centre moved 22 px left and 10 down without the object moving; the square was
    // drawn there, off itself (trial 10, --stride 3: a still square's id 35 px off it).
    const [a, b] = [withPiece(0, false), withPiece(3, true)];
    for (const [t, index] of [[1 / 3, 1], [2 / 3, 2]]) {
      const between = interpolateResults(a, b, t, index);
      for (let i = 0; i < between.labels.length; i++) {
        if (between.labels[i] !== 1) continue;
        assert.ok(a.labels[i] === 1 || b.labels[i] === 1, `t ${t.toFixed(2)}: pixel (${i % width}, ${Math.floor(i / width)}) is on neither key frame's mask`);
      }
      assert.equal(between.labels[8 * width + 52], 1, `t ${t.toFixed(2)}: the square keeps its mask where it is`);
    }
  });

  it('still moves an object whose box more than doubles (a fast zoom), and one coming in at the frame\'s edge', () => {
    // A size rule (blend in place past 2x) froze these, real motion, until halfway (a review).
    const zoom = interpolateResults(keyFrame(0, [[1, 4, 10, 6]]), keyFrame(4, [[1, 36, 6, 16]]), 0.25, 1);
    const zoomBox = boxOf(zoom, 1);
    assert.ok(zoomBox && zoomBox[0] >= 10 && zoomBox[0] <= 16, `a quarter of the way, x ${zoomBox?.[0]}`);
    const entering = keyFrame(0, [[1, 0, 12, 4]]);
    entering.objects[0].bbox = [0, 12, 4, 4];
    const inView = keyFrame(4, [[1, 24, 12, 8]]);
    const box = boxOf(interpolateResults(entering, inView, 0.25, 1), 1);
    assert.ok(box && box[0] >= 5, `a quarter of the way in, x ${box?.[0]}`);
  });
});
