import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPromptedTracker } from '../../dist/track/index.js';
import { squareFeatures } from './square-features.js';

const rows = 8;
const cols = 12;
const n = rows * cols;
const dim = 4;
const heads = 2;
const patch = 4;

function frame(index, squares) {
  return { index, rows, cols, heads, dim, ...squareFeatures({ rows, cols, dim, heads }, squares) };
}

/** Pixel labels marking object 1 only, on the square at patch (1, 1). */
const initLabels = new Uint16Array(cols * patch * rows * patch);
for (let y = patch; y < 4 * patch; y++) for (let x = patch; x < 4 * patch; x++) initLabels[y * cols * patch + x] = 1;

async function run(discover) {
  const tracker = createPromptedTracker({ width: cols * patch, height: rows * patch, patchSize: patch, initLabels, initFrame: 0, contextFrames: 7, radius: 4, topK: 5, temperature: 0.1, propagation: 'improved', discover });
  const visible = [];
  for (let t = 0; t < 6; t++) {
    const result = await tracker.update(frame(t, [[1, 1, 1], [4, 7, 2]]));
    visible.push(result.objects.filter((o) => !o.occluded).map((o) => o.id));
  }
  return visible;
}

describe('prompted mode --discover', () => {
  it('gives an unannotated object a new id once seen in 3 frames, keeping the annotated one', async () => {
    const visible = await run({ birthFrames: 3, maxObjects: 8 });
    assert.deepEqual(visible[0], [1]);
    assert.deepEqual(visible[2], [1]);
    assert.deepEqual(visible[3], [1, 2]);
    assert.deepEqual(visible[5], [1, 2]);
  });
  it('without it tracks exactly the annotated objects', async () => {
    assert.ok((await run(undefined)).every((ids) => ids.length === 1 && ids[0] === 1));
  });
});
