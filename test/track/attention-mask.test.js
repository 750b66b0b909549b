import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageHeads, getMassCutoff, thresholdMass, upsampleBilinear } from '../../dist/track/index.js';

describe('attention mass threshold', () => {
  it('keeps the most attended patches until they hold the mass (hand-computed)', () => {
    // shares 0.4, 0.3, 0.2, 0.1: 60% of the mass needs the top two (0.4 + 0.3 = 0.7 ≥ 0.6)
    const attention = Float32Array.from([0.1, 0.4, 0.2, 0.3]);
    assert.deepEqual([...thresholdMass(attention, 0.6)], [0, 1, 0, 1]);
    // 0.7 is reached exactly by the top two: DINO keeps a patch while the mass above it is below the threshold
    assert.deepEqual([...thresholdMass(attention, 0.7)], [0, 1, 0, 1]);
    assert.deepEqual([...thresholdMass(attention, 0.71)], [0, 1, 1, 1]);
    assert.deepEqual([...thresholdMass(attention, 0.3)], [0, 1, 0, 0]);
  });

  it('is scale-free: unnormalised attention gives the same mask', () => {
    const attention = Float32Array.from([1, 4, 2, 3]);
    assert.deepEqual([...thresholdMass(attention, 0.6)], [0, 1, 0, 1]);
    assert.equal(getMassCutoff(attention, 0.6), 3);
  });

  it('keeps nothing of an all-zero map', () => {
    assert.deepEqual([...thresholdMass(new Float32Array(4), 0.6)], [0, 0, 0, 0]);
  });

  it('averages heads', () => {
    const attention = Float32Array.from([1, 2, 3, 3, 2, 1]); // [2 heads, 3]
    assert.deepEqual([...averageHeads(attention, 2)], [2, 2, 2]);
  });
});

describe('bilinear upsampling', () => {
  it('puts each patch value at its centre and interpolates between', () => {
    const grid = Float32Array.from([0, 1]); // [1, 2]
    const out = upsampleBilinear(grid, 1, 2, 4, 1);
    assert.deepEqual([...out], [0, 0.25, 0.75, 1]);
  });
  it('keeps a constant map constant', () => {
    const out = upsampleBilinear(Float32Array.from([5, 5, 5, 5]), 2, 2, 7, 5);
    assert.ok(out.every((v) => v === 5));
  });
});
