import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMultiTracker } from '../../dist/track/index.js';

const rows = 12;
const cols = 20;
const n = rows * cols;
const dim = 8;
const heads = 2;

function unit(seed) {
  const v = Float32Array.from({ length: dim }, (_, d) => Math.sin(seed * 12.9898 + d * 78.233) * 43758.5453 % 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * A frame of squares `{ id: [row, col, size, look, attendingHeads] }`: features are the vector
 * of `look` (default: the id), attention 1 in the given heads (default: all), background a fixed vector.
 */
function makeFrame(index, objects) {
  const patchTokens = new Float32Array(n * dim);
  const clsAttention = new Float32Array(heads * n).fill(1e-3);
  const background = unit(99);
  for (let i = 0; i < n; i++) patchTokens.set(background, i * dim);
  for (const [id, [r0, c0, size, look, attending]] of Object.entries(objects)) {
    const vector = unit(look ?? Number(id));
    for (let r = r0; r < r0 + size; r++) for (let c = c0; c < c0 + size; c++) {
      if (r < 0 || c < 0 || r >= rows || c >= cols) continue;
      patchTokens.set(vector, (r * cols + c) * dim);
      for (const h of attending ?? [0, 1]) clsAttention[h * n + r * cols + c] = 1;
    }
  }
  return { index, rows, cols, heads, dim, clsAttention, patchTokens };
}

const options = { width: cols * 4, height: rows * 4, fps: 25, threshold: 0.9, maxObjects: 8, occlusionFrames: 20 };
const visible = (result) => result.objects.filter((o) => !o.occluded).map((o) => o.id);
/** The label at the centre of a patch. */
const labelAt = (result, r, c) => result.labels[(r * 4 + 2) * result.width + c * 4 + 2];

describe('multi-object tracker', () => {
  it('keeps the ids of two look-alike objects that cross (motion, not appearance)', async () => {
    const tracker = createMultiTracker(options);
    let result;
    for (let t = 0; t < 17; t++) {
      // Same look (7) for both; A moves right, B left, on the same rows: they overlap fully at t = 8.
      result = await tracker.update(makeFrame(t, { 1: [4, 1 + t, 3, 7], 2: [4, 17 - t, 3, 7] }));
      if (t === 3) {
        assert.deepEqual(visible(result), [1, 2]);
        assert.equal(labelAt(result, 5, 5), 1, 'A (left) is track 1');
      }
    }
    assert.equal(labelAt(result, 5, 18), 1, 'A ends on the right with its id');
    assert.equal(labelAt(result, 5, 1), 2, 'B ends on the left with its id');
  });

  it('makes no track of a region only one head attends (a wall), and one of an object all heads attend', async () => {
    const tracker = createMultiTracker(options);
    let result;
    for (let t = 0; t < 6; t++) result = await tracker.update(makeFrame(t, { 1: [2, 2, 3], 9: [1, 12, 6, 9, [1]] }));
    assert.deepEqual(visible(result), [1]);
    assert.equal(labelAt(result, 3, 3), 1);
    assert.equal(labelAt(result, 3, 14), 0);
  });

  it('paints a new object into the frames that led to its birth', async () => {
    const tracker = createMultiTracker(options);
    const results = [];
    for (let t = 0; t < 3; t++) results.push(await tracker.update(makeFrame(t, { 1: [2, 2 + t, 3] })));
    assert.deepEqual(visible(results[0]), []);
    assert.deepEqual(visible(results[2]), [1]);
    assert.equal(tracker.lookBack, 2);
    assert.deepEqual(results[2].births.map((b) => b.index), [0, 1]);
    assert.equal(labelAt({ ...results[2], labels: results[2].births[0].labels }, 3, 3), 1);
    assert.equal(labelAt({ ...results[2], labels: results[2].births[0].labels }, 3, 6), 0, 'the mask of frame 0, not of frame 2');
  });

  it('gives a clip shorter than the birth window its objects at the end', async () => {
    const tracker = createMultiTracker(options);
    const result = await tracker.update(makeFrame(0, { 1: [2, 2, 3] }));
    assert.deepEqual(visible(result), []);
    const backfill = await tracker.finish();
    assert.deepEqual(backfill.map((b) => b.index), [0]);
    assert.equal(labelAt({ ...result, labels: backfill[0].labels }, 3, 3), 1);
  });
});
