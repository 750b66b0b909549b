// TrackerOptions.labelsRefined: where every key frame is refined (the CLI's default with a
// video), the tracker leaves the labels to refinement instead of painting them from the patch
// grid, which refinement then throws away. What a user gets must not change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { refineFrame } from '../../dist/refine/index.js';
import { createMultiTracker } from '../../dist/track/multi/tracker.js';
import { fps, getFeatures, getGrid, renderFrame, scenes } from '../bench/rendered-scenes.js';
import { mulberry32, unitVector } from '../bench/random.js';

/** A rendered scene's frames (848x480 pictures) with DINO-like features at the 240-line grid, as writeRenderedScene makes them. */
function* renderScene(name, frames) {
  const scene = scenes[name];
  const { rows, cols } = getGrid(240);
  const seeded = mulberry32(name.length * 104729);
  const state = { dim: 64, heads: 6, random: mulberry32(name.length * 7919 + 240), prototypes: new Map(scene.objects.map((o) => [o.id, unitVector(seeded, 64)])), backgrounds: Array.from({ length: 6 }, () => unitVector(seeded, 64)) };
  for (let t = 0; t < frames; t++) {
    const { rgb, truth } = renderFrame(scene, t);
    const { clsAttention, patchTokens } = getFeatures(scene, truth, t, { rows, cols, state });
    yield { image: rgb, features: { index: t, rows, cols, heads: 6, dim: 64, clsAttention, patchTokens } };
  }
}

describe('a tracker whose labels refinement replaces (labelsRefined)', () => {
  // Touching objects (one in front of another) and a pillar that hides objects (hidden ones listed).
  for (const name of ['test-contact', 'test-pillar']) {
    it(`gives every refined frame of a tracker that paints its labels (${name}), without painting them`, { timeout: 120_000 }, async () => {
      const options = { width: 848, height: 480, fps, threshold: 0.6, maxObjects: 20 };
      const painting = createMultiTracker(options);
      const leaving = createMultiTracker({ ...options, labelsRefined: true });
      let refined = 0;
      let hidden = 0;
      for (const { image, features } of renderScene(name, 40)) {
        const copy = () => ({ ...features, patchTokens: Float32Array.from(features.patchTokens) });
        const painted = await painting.update(copy(), image);
        const left = await leaving.update(copy(), image);
        if (left.soft?.size) {
          // The work saved: no label painted where refinement will paint them.
          assert.ok(left.labels.every((id) => id === 0), `frame ${features.index}: labels painted`);
          assert.ok(painted.labels.some((id) => id !== 0));
          refined++;
        }
        hidden += left.objects.filter((o) => o.occluded).length;
        const [a, b] = [refineFrame(painted, image), refineFrame(left, image)];
        assert.ok(isDeepStrictEqual(a.labels, b.labels), `frame ${features.index}: refined labels differ`);
        assert.deepEqual(b.objects, a.objects, `frame ${features.index}`);
        assert.deepEqual(left.births, painted.births, `frame ${features.index}`);
      }
      assert.ok(refined >= 30, `${refined} frames with objects`);
      if (name === 'test-pillar') assert.ok(hidden > 0, 'the pillar hides an object');
    });
  }
});
