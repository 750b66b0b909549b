// Token helpers (src/track/patch-features.ts): the tracker's one-pass unit rows are the
// values the two separate normalisations give, so fusing them changed no mask.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { centreAndNormalizeRows, getUnitRows, normalizeRows } from '../../dist/track/patch-features.js';
import { createMultiTracker } from '../../dist/track/multi/tracker.js';
import { describeScene, fps, generateScene } from '../bench/scene-families.js';

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
  // A frame's raw unit rows are overwritten once it leaves label propagation's context, and
  // its centred rows after its update: nothing may read them after that. Scenes with an
  // occluder, look-alikes crossing and a newcomer (births, hiding, sharing, re-identification).
  const scenes = [102, 103, 117].map((seed) => {
    const scene = describeScene(seed);
    return { seed, options: { width: scene.width, height: scene.height, fps, threshold: 0.6, maxObjects: 20 }, frames: [...generateScene({ ...scene, frames: Math.min(scene.frames, 60) })] };
  });
  const run = async ({ options, frames }, hooks) => {
    const tracker = createMultiTracker(options, undefined, hooks);
    const answers = [];
    for (const features of frames) answers.push(await tracker.update({ ...features, patchTokens: Float32Array.from(features.patchTokens) }));
    answers.push(await tracker.finish());
    return answers;
  };
  const spoil = (centred, raw) => {
    centred.fill(Number.NaN);
    raw?.fill(Number.NaN);
  };

  for (const scene of scenes) {
    // A timeout, so that a tracker misled by spoiled rows fails instead of running on.
    it(`gives every answer of a tracker that allocates afresh (scene ${scene.seed}), and reads no rows after they are free`, { timeout: 60_000 }, async () => {
      const reference = await run(scene, { reuseRows: false });
      assert.ok(reference.some((answer) => answer.objects?.length > 0), 'the scene has objects to track');
      // The first answer that differs, if any (assert.deepEqual's diff of answers this large runs out of memory).
      const firstDiffering = (answers) => answers.findIndex((answer, k) => !isDeepStrictEqual(answer, reference[k]));
      assert.equal(firstDiffering(await run(scene)), -1);
      // Spoiling each frame's rows the moment they are free changes nothing.
      assert.equal(firstDiffering(await run(scene, { reuseRows: false, onDropped: spoil })), -1);
    });
  }
});
