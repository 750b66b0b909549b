// Propagation compares patches in blocks of grid rows; the blocks must not change the result.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSimilaritySession } from '../../dist/model/index.js';
import { jsSimilarity, propagateMasks } from '../../dist/track/index.js';

const rows = 12;
const cols = 16;
const n = rows * cols;
const dim = 8;
const radius = 3;
const frames = 3;

let seed = 11;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
function randomTokens() {
  const tokens = Float32Array.from({ length: n * dim }, () => random() - 0.5); // [n, dim]
  for (let i = 0; i < n; i++) {
    const row = tokens.subarray(i * dim, (i + 1) * dim);
    const norm = Math.hypot(...row);
    for (let d = 0; d < dim; d++) row[d] /= norm;
  }
  return tokens;
}
/** A background label everywhere but a box, and the box: every patch is a target. */
function boxMasks(r0, c0) {
  const box = new Float32Array(n);
  for (let r = r0; r < r0 + 3; r++) for (let c = c0; c < c0 + 4; c++) box[r * cols + c] = random();
  return new Map([[0, box.map((v) => 1 - v)], [4, box]]);
}
const context = Array.from({ length: frames }, (_, f) => ({ tokens: randomTokens(), masks: boxMasks(2 + f, 3 + 2 * f) }));
const target = randomTokens();
const options = { rows, cols, dim, radius, topK: 5, temperature: 0.1 };

/** A similarity that records the size of each request. */
function recording(similarity) {
  const calls = [];
  const wrapped = async (targets, sources, d) => {
    calls.push({ targets: targets.length / d, sources: sources.length / d });
    return similarity(targets, sources, d);
  };
  return { calls, wrapped };
}

describe('propagation in blocks of target rows', () => {
  for (const [name, open] of [['JavaScript', async () => ({ similarity: jsSimilarity, release: async () => undefined })], ['onnxruntime', () => openSimilaritySession(1)]]) {
    it(`gives exactly the one-block result (${name} similarity)`, async () => {
      const session = await open();
      const whole = recording(session.similarity);
      const expected = await propagateMasks(target, context, { ...options, maxValues: Infinity, maxTargetRows: Infinity }, whole.wrapped);
      assert.deepEqual(whole.calls, Array(frames).fill({ targets: n, sources: n }));
      for (const maxValues of [1, 6000, 20000]) {
        const blocked = recording(session.similarity);
        const result = await propagateMasks(target, context, { ...options, maxValues }, blocked.wrapped);
        assert.deepEqual(result, expected, `maxValues ${maxValues}`);
        assert.ok(blocked.calls.length > frames, `maxValues ${maxValues}: ${blocked.calls.length} calls`);
        // One grid row against the 2·radius+1 rows its windows reach is the smallest block.
        const smallest = cols * (2 * radius + 1) * cols * frames;
        for (const call of blocked.calls) assert.ok(call.targets * call.sources * frames <= Math.max(maxValues, smallest), `${maxValues}: ${JSON.stringify(call)}`);
      }
      // By default a block is at most two grid rows of targets (fewer multiply-adds, same result).
      const byDefault = recording(session.similarity);
      assert.deepEqual(await propagateMasks(target, context, options, byDefault.wrapped), expected, 'default blocks');
      for (const call of byDefault.calls) assert.ok(call.targets <= 2 * cols && call.sources <= (2 + 2 * radius) * cols, JSON.stringify(call));
      await session.release();
    });
  }

  it('never asks for a whole frame by default at ViT-S/8 1080p (135x240 patches, 8 context frames)', async () => {
    // Only the shapes matter: the similarity returns zeros of the requested size.
    const big = { rows: 135, cols: 240, dim: 1, radius: 12, topK: 5, temperature: 0.1 };
    const size = big.rows * big.cols;
    const masks = new Map([[0, new Float32Array(size).fill(1)]]);
    const many = Array.from({ length: 8 }, () => ({ tokens: new Float32Array(size), masks }));
    let largest = 0;
    await propagateMasks(new Float32Array(size), many, big, async (targets, sources) => {
      largest = Math.max(largest, targets.length * sources.length);
      return new Float32Array(targets.length * sources.length);
    });
    // 240 targets x 25 rows of 240 sources, per context frame; a whole frame is 32400 x 32400.
    assert.equal(largest, 240 * 25 * 240);
  });
});
