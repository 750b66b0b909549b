import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getTransferable } from '../../dist/util/transferable.js';

describe('getTransferable', () => {
  it('hands over an array that owns its whole buffer as it is, without a copy (onnxruntime\'s outputs)', () => {
    const tokens = Float32Array.from({ length: 12 }, (_, i) => i / 3);
    assert.equal(getTransferable(tokens), tokens);
    const bytes = Uint8Array.of(1, 2, 3);
    assert.equal(getTransferable(bytes), bytes);
  });

  it('copies a view into a larger buffer, so that handing it over leaves the rest intact', () => {
    const whole = Float32Array.from({ length: 12 }, (_, i) => i);
    const view = whole.subarray(4, 8);
    const handed = getTransferable(view);
    assert.notEqual(handed.buffer, whole.buffer);
    assert.equal(handed.buffer.byteLength, 16);
    assert.deepEqual([...handed], [4, 5, 6, 7]);
    structuredClone(handed, { transfer: [handed.buffer] });
    assert.equal(whole.length, 12, 'the larger buffer is not detached');
  });
});
