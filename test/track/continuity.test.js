// Prompted propagation's continuity rule (src/track/prompts/continuity.ts): a piece of an
// object's region far from where it was the frame before is something else that looks like it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropNewcomers_ } from '../../dist/track/prompts/continuity.js';

const [rows, cols] = [4, 10];
/** Soft labels: `columns` maps id → the columns (every row) where it has 0.9; the rest is background. */
function makeSoft(columns) {
  const soft = new Map([[0, new Float32Array(rows * cols).fill(1)]]);
  for (const [id, list] of Object.entries(columns)) {
    const grid = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) {
      for (const c of list) {
        grid[r * cols + c] = 0.9;
        soft.get(0)[r * cols + c] = 0.1;
      }
    }
    soft.set(Number(id), grid);
  }
  return soft;
}
const columnsOf = (soft, id) => [...new Set([...soft.get(id).keys()].filter((i) => soft.get(id)[i] > soft.get(0)[i]).map((i) => i % cols))].sort((a, b) => a - b);

describe('dropNewcomers_', () => {
  it('gives the background a piece far from where the object was, and keeps one that moved a little', () => {
    const previous = makeSoft({ 1: [0, 1] });
    const soft = makeSoft({ 1: [1, 2, 7, 8] });
    dropNewcomers_(soft, previous, rows, cols, 2);
    assert.deepEqual(columnsOf(soft, 1), [1, 2]);
    assert.ok(soft.get(0)[7] > 0.9, 'the far piece is background');
  });

  it('leaves an object that was not in view the frame before to re-anchoring', () => {
    const previous = makeSoft({});
    previous.set(1, new Float32Array(rows * cols));
    const soft = makeSoft({ 1: [7, 8] });
    dropNewcomers_(soft, previous, rows, cols, 2);
    assert.deepEqual(columnsOf(soft, 1), [7, 8]);
  });

  it('keeps a piece within reach of the region before, even if apart from the rest now', () => {
    const previous = makeSoft({ 1: [3, 4] });
    const soft = makeSoft({ 1: [0, 6] }); // split by an occluder: both within 3 columns of before
    dropNewcomers_(soft, previous, rows, cols, 3);
    assert.deepEqual(columnsOf(soft, 1), [0, 6]);
  });
});
