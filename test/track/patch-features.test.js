// Token helpers (src/track/patch-features.ts): the tracker's one-pass unit rows are the
// values the two separate normalisations give, so fusing them changed no mask.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { centreAndNormalizeRows, getUnitRows, normalizeRows } from '../../dist/track/patch-features.js';
import { createMultiTracker } from '../../dist/track/multi/tracker.js';

describe('getUnitRows', () => {
  it('gives exactly normalizeRows and centreAndNormalizeRows, a zero row included', () => {
    const [n, dim] = [37, 19];
    const tokens = new Float32Array(n * dim);
    let seed = 7;
    for (let i = 0; i < tokens.length; i++) tokens[i] = ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 1.5; // a shared offset, as ViT tokens have
    tokens.fill(0, 5 * dim, 6 * dim); // a zero row stays zero in the raw form
    const { raw, centred } = getUnitRows(tokens, dim);
    assert.deepEqual(raw, normalizeRows(tokens, dim));
    assert.deepEqual(centred, centreAndNormalizeRows(tokens, dim));
    assert.ok(raw.subarray(5 * dim, 6 * dim).every((v) => v === 0));
  });

  it('overwrites the arrays of a frame no longer needed, with the same values as fresh ones, and only when their length fits', () => {
    const [n, dim] = [23, 11];
    const tokens = Float32Array.from({ length: n * dim }, (_, i) => Math.sin(i * 0.7) + 0.5);
    const spent = { raw: new Float32Array(n * dim).fill(9), centred: new Float32Array(n * dim).fill(9) };
    const reused = getUnitRows(tokens, dim, spent);
    assert.equal(reused.raw, spent.raw);
    assert.equal(reused.centred, spent.centred);
    assert.deepEqual(reused, getUnitRows(tokens, dim));
    const small = { raw: new Float32Array(dim), centred: new Float32Array(dim) };
    const fresh = getUnitRows(tokens, dim, small);
    assert.notEqual(fresh.raw, small.raw);
    assert.equal(fresh.raw.length, n * dim);
  });
});

describe('the multi tracker\'s unit rows', () => {
  // A frame's unit rows are overwritten once it leaves label propagation's context: the
  // answers must be those of a tracker that allocates afresh every frame.
  it('gives the same answers when it reuses the rows of frames that left the context', async () => {
    const [rows, cols, dim, heads] = [6, 8, 16, 2];
    const n = rows * cols;
    const frames = Array.from({ length: 12 }, (_, index) => {
      const patchTokens = new Float32Array(n * dim);
      const clsAttention = new Float32Array(heads * n).fill(0.2 / n);
      for (let i = 0; i < n; i++) {
        const inside = Math.abs((i % cols) - 2 - index / 3) < 1.5 && Math.abs(Math.floor(i / cols) - 3) < 1.5;
        for (let d = 0; d < dim; d++) patchTokens[i * dim + d] = inside ? (d < dim / 2 ? 1 : 0.1) + 0.01 * Math.sin(i + d) : (d >= dim / 2 ? 1 : 0.1) + 0.01 * Math.cos(i * d);
        if (inside) for (let h = 0; h < heads; h++) clsAttention[h * n + i] = 0.8 / 9;
      }
      return { index, rows, cols, heads, dim, patchTokens, clsAttention };
    });
    const run = async (spoil, reuseRows = true) => {
      const tracker = createMultiTracker({ width: cols * 16, height: rows * 16, fps: 25, threshold: 0.6, maxObjects: 8, occlusionFrames: 50 }, undefined, { reuseRows });
      const answers = [];
      for (const features of frames) {
        const result = await tracker.update(features);
        answers.push({ labels: Buffer.from(result.labels).toString('base64'), objects: result.objects });
        spoil?.(features);
      }
      return answers;
    };
    const reference = await run(undefined, false);
    assert.ok(reference.at(-1).objects.length > 0, 'the scene has an object to track');
    assert.deepEqual(await run(), reference);
    // Nor does it keep the features it was given: spoiling them after each update changes nothing.
    assert.deepEqual(await run((features) => features.patchTokens.fill(Number.NaN)), reference);
  });
});
