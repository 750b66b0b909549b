import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { averageHeads, getForeground, getMassCutoff, thresholdMass, upsampleBilinear } from '../../dist/track/index.js';
import { getBackgroundLevel, getHeadLevels, getMedian } from '../../dist/track/attention-mask.js';
import { getUpsampledRegion } from '../../dist/track/upsample.js';

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

describe('head levels', () => {
  it("are each head's total, background level and mass cutoffs, the same as asked head by head, made once per array", () => {
    const heads = 3;
    const n = 37; // odd: the median is one value
    const attention = Float32Array.from({ length: heads * n }, (_, i) => ((i * 7919) % 101) / 13 + (i % n === 5 ? 40 : 0));
    const levels = getHeadLevels(attention, heads);
    for (let h = 0; h < heads; h++) {
      const map = attention.subarray(h * n, (h + 1) * n);
      let total = 0;
      for (const v of map) total += v;
      assert.equal(levels.totals[h], total);
      assert.equal(levels.backgrounds[h], getBackgroundLevel(map));
      for (const mass of [0.3, 0.6, 0.9]) assert.equal(levels.massCutoff(h, mass), getMassCutoff(map, mass));
    }
    assert.equal(getHeadLevels(attention, heads), levels);
    assert.notEqual(getHeadLevels(Float32Array.from(attention), heads), levels);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle values, and leaves its input as it is', () => {
    const values = Float32Array.from([3, 1, 2]);
    assert.equal(getMedian(values), 2);
    assert.deepEqual([...values], [3, 1, 2]);
    assert.equal(getMedian(Float32Array.from([4, 1, 3, 2])), 2.5);
    assert.equal(getMedian(new Float32Array(0)), 0);
  });
});

describe('foreground', () => {
  // 8x8 patches, two heads: a large region (rows 0-2) both heads attend at 50x the background,
  // and a 2x2 one only head 0 attends, at 20x.
  const rows = 8;
  const cols = 8;
  const n = rows * cols;
  const small = [[5, 5], [5, 6], [6, 5], [6, 6]].map(([r, c]) => r * cols + c);
  const makeAttention = (backgroundZero = false) => {
    const attention = new Float32Array(2 * n).fill(backgroundZero ? 0 : 1);
    for (let i = 0; i < 3 * cols; i++) attention[i] = attention[n + i] = 50;
    for (const i of small) attention[i] = 20;
    return attention;
  };
  const options = { rows, cols, heads: 2, dim: 1, threshold: 0.6, minPatches: 2, splitCosine: 0.5, growCosine: 0.5, headLift: 1.5, singleHeadLift: 12 };

  it('keeps a small region one head attends strongly against its background, however much of the head a large region takes', () => {
    // Head 0's mean over the frame is about 20 (the large region holds 91% of it); its median is 1.
    const foreground = getForeground(makeAttention(), options);
    assert.deepEqual(small.map((i) => foreground[i]), [1, 1, 1, 1]);
    assert.equal(foreground[4 * cols], 0);
    assert.equal(foreground[0], 1);
  });

  it('lifts no noise from a head whose background is rounding steps: its level is floored at a share of its mean', () => {
    // One head: a 16-patch object at 1; of the background, 32 patches at 0 and 16 at 1-8 steps
    // of 1e-7 (fp16 keeps such subnormals). The median, 0.5e-7, would put 12x it under the noise.
    const attention = new Float32Array(n);
    for (let i = 0; i < 16; i++) attention[i] = 1;
    for (let i = 16; i < 32; i++) attention[i] = ((i % 8) + 1) * 1e-7;
    const foreground = getForeground(attention, { ...options, heads: 1 });
    assert.deepEqual([...foreground].map((v, i) => (v ? i : -1)).filter((i) => i >= 0), Array.from({ length: 16 }, (_, i) => i));
    assert.ok(Math.abs(getBackgroundLevel(attention) / (16 / 64 / 32) - 1) < 1e-4); // a 32nd of the mean
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
  it('computes only the region a patch box reaches, and nothing outside it is lost', () => {
    // Masks are upsampled inside their box only; the result must equal full upsampling.
    for (const [rows, cols, width, height] of [[30, 53, 848, 480], [6, 8, 101, 77], [4, 4, 64, 64]]) {
      for (const box of [[0, 0, 0, 0], [1, 1, 2, 2], [rows - 2, cols - 3, rows - 1, cols - 1]]) {
        const grid = new Float32Array(rows * cols);
        for (let r = box[0]; r <= box[2]; r++) for (let c = box[1]; c <= box[3]; c++) grid[r * cols + c] = 1;
        const full = upsampleBilinear(grid, rows, cols, width, height);
        const region = getUpsampledRegion(box, rows, cols, width, height);
        const part = upsampleBilinear(grid, rows, cols, width, height, region);
        assert.deepEqual(part, full, `${rows}x${cols} → ${width}x${height}, box ${box}`);
      }
    }
  });
});
