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

/**
 * A rendered scene's frames with DINO-like features at the 240-line grid (15x26 patches), as
 * writeRenderedScene makes them; pictures 848x480, or sampled down to `width` x `height`.
 */
function* renderScene(name, frames, width = 848, height = 480) {
  const scene = scenes[name];
  const { rows, cols } = getGrid(240);
  const seeded = mulberry32(name.length * 104729);
  const state = { dim: 64, heads: 6, random: mulberry32(name.length * 7919 + 240), prototypes: new Map(scene.objects.map((o) => [o.id, unitVector(seeded, 64)])), backgrounds: Array.from({ length: 6 }, () => unitVector(seeded, 64)) };
  for (let t = 0; t < frames; t++) {
    const { rgb, truth } = renderFrame(scene, t);
    const { clsAttention, patchTokens } = getFeatures(scene, truth, t, { rows, cols, state });
    yield { image: width === 848 ? rgb : sampleDown(rgb, width, height), features: { index: t, rows, cols, heads: 6, dim: 64, clsAttention, patchTokens } };
  }
}

/** An 848x480 RGB picture at `width` x `height`, nearest pixel. */
function sampleDown(rgb, width, height) {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (Math.floor(((y + 0.5) * 480) / height) * 848 + Math.floor(((x + 0.5) * 848) / width)) * 3;
      out.set(rgb.subarray(from, from + 3), (y * width + x) * 3);
    }
  }
  return out;
}

/** Runs both trackers over the frames; the refined frames must be the same. @returns frames with objects, hidden objects listed, frames whose labels were left unpainted */
async function compareRefined(frames, width, height) {
  const options = { width, height, fps, threshold: 0.6, maxObjects: 20 };
  const painting = createMultiTracker(options);
  const leaving = createMultiTracker({ ...options, labelsRefined: true });
  const seen = { withObjects: 0, hidden: 0, unpainted: 0 };
  for (const { image, features } of frames) {
    const copy = () => ({ ...features, patchTokens: Float32Array.from(features.patchTokens) });
    const painted = await painting.update(copy(), image);
    const left = await leaving.update(copy(), image);
    if (left.soft?.size) {
      seen.withObjects++;
      if (left.labels.every((id) => id === 0)) seen.unpainted++;
    }
    seen.hidden += left.objects.filter((o) => o.occluded).length;
    const [a, b] = [refineFrame(painted, image), refineFrame(left, image)];
    assert.ok(isDeepStrictEqual(a.labels, b.labels), `frame ${features.index}: refined labels differ`);
    assert.deepEqual(b.objects, a.objects, `frame ${features.index}`);
    assert.deepEqual(left.births, painted.births, `frame ${features.index}`);
  }
  return seen;
}

describe('a tracker whose labels refinement replaces (labelsRefined)', () => {
  // Touching objects (one in front of another) and a pillar that hides objects (hidden ones listed).
  for (const name of ['test-contact', 'test-pillar']) {
    it(`gives every refined frame of a tracker that paints its labels (${name}), without painting them`, { timeout: 120_000 }, async () => {
      const seen = await compareRefined(renderScene(name, 40), 848, 480);
      assert.ok(seen.withObjects >= 30, `${seen.withObjects} frames with objects`);
      // The work saved: no label painted where refinement will paint them.
      assert.equal(seen.unpainted, seen.withObjects);
      if (name === 'test-pillar') assert.ok(seen.hidden > 0, 'the pillar hides an object');
    });
  }

  // A review's case: a frame smaller than two pixels a patch (20x12 under a 26x15 grid) may paint
  // a track no pixel, and then it is not listed; left unpainted, it was listed hidden.
  it('paints where a patch is under two pixels, so that a track painting would give no pixel is not listed', { timeout: 60_000 }, async () => {
    const seen = await compareRefined(renderScene('test-pillar', 40, 20, 12), 20, 12);
    assert.ok(seen.withObjects >= 30);
    assert.equal(seen.unpainted, 0);
  });
});
