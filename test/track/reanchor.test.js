import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getPrototypes, reanchorLost_ } from '../../dist/track/reanchor.js';
import { squareFeatures } from './square-features.js';

const rows = 8;
const cols = 10;
const n = rows * cols;
const dim = 4;
const heads = 2;
const options = { rows, cols, heads, dim, lostPatches: 3, matchCosine: 0.7 };

function frame(squares) {
  const { patchTokens, clsAttention } = squareFeatures({ rows, cols, dim, heads }, squares);
  return { tokens: patchTokens, attention: clsAttention };
}

describe('re-anchoring a lost object (prompted mode, improved propagation)', () => {
  it('gives a lost object its label back on the region that looks like it, and nothing else', () => {
    const annotated = frame([[1, 1, 1]]);
    const labels = new Uint16Array(n);
    for (let r = 1; r < 4; r++) for (let c = 1; c < 4; c++) labels[r * cols + c] = 1;
    const prototypes = getPrototypes(labels, annotated.tokens, dim, [0, 1]);
    // Later: object 1 is back far away (rows 4-6, cols 6-8); a different object (axis 2) is at rows 0-2, cols 6-8.
    const later = frame([[4, 6, 1], [0, 6, 2]]);
    const soft = new Map([[0, new Float32Array(n).fill(1)], [1, new Float32Array(n)]]);
    assert.deepEqual(reanchorLost_(soft, later.attention, later.tokens, prototypes, options), [1]);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      const inside = r >= 4 && r < 7 && c >= 6 && c < 9;
      assert.equal(soft.get(1)[r * cols + c], inside ? 1 : 0, `object at ${r},${c}`);
      assert.equal(soft.get(0)[r * cols + c], inside ? 0 : 1, `background at ${r},${c}`);
    }
  });
  it('leaves a visible object alone, and a lost one lost when nothing looks like it', () => {
    const labels = new Uint16Array(n);
    for (let r = 1; r < 4; r++) for (let c = 1; c < 4; c++) labels[r * cols + c] = 1;
    const prototypes = getPrototypes(labels, frame([[1, 1, 1]]).tokens, dim, [0, 1]);
    const visible = new Map([[0, Float32Array.from(labels, (v) => 1 - v)], [1, Float32Array.from(labels)]]);
    assert.deepEqual(reanchorLost_(visible, frame([[4, 6, 1]]).attention, frame([[4, 6, 1]]).tokens, prototypes, options), []);
    const lost = new Map([[0, new Float32Array(n).fill(1)], [1, new Float32Array(n)]]);
    const other = frame([[4, 6, 3]]);
    assert.deepEqual(reanchorLost_(lost, other.attention, other.tokens, prototypes, options), []);
    assert.ok(lost.get(1).every((v) => v === 0));
  });
});
