import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { selectLabels } from '../../dist/track/prompts/soft-labels.js';

// A 1x2 patch grid of 2-pixel patches, written at the model input size (4x2 pixels).
const geometry = { rows: 1, cols: 2, patchSize: 2, width: 4, height: 2 };

describe('selectLabels: mixing two directions', () => {
  it('normalises each direction before mixing, so a faint object outvoted by the other direction stays out', () => {
    // Forward: object 1 faintly on the left patch; backward: background everywhere (the object is gone there).
    const forward = new Map([[0, Float32Array.of(0, 1)], [1, Float32Array.of(0.2, 0)]]);
    const backward = new Map([[0, Float32Array.of(1, 1)], [1, Float32Array.of(0, 0)]]);
    assert.deepEqual(Array.from(selectLabels([{ soft: forward, weight: 1 }], [0, 1], geometry)), [1, 1, 0, 0, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(selectLabels([{ soft: forward, weight: 0.1 }, { soft: backward, weight: 0.9 }], [0, 1], geometry)), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(selectLabels([{ soft: forward, weight: 0.9 }, { soft: backward, weight: 0.1 }], [0, 1], geometry)), [1, 1, 0, 0, 1, 1, 0, 0]);
  });
});
