import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPromptedTracker } from '../../dist/track/index.js';
import { squareFeatures } from './square-features.js';

const rows = 8;
const cols = 12;
const n = rows * cols;
const dim = 4;
const heads = 2;
const patch = 4;

function frame(index, squares) {
  return { index, rows, cols, heads, dim, ...squareFeatures({ rows, cols, dim, heads }, squares) };
}

/** Pixel labels marking object 1 only, on the square at patch (1, 1). */
const initLabels = new Uint16Array(cols * patch * rows * patch);
for (let y = patch; y < 4 * patch; y++) for (let x = patch; x < 4 * patch; x++) initLabels[y * cols * patch + x] = 1;

/**
 * Object 1 on axis 1 and, at patch (4, 9), an unannotated square whose tokens have cosine
 * `cosine` with object 1's (axes 1 and 3 mixed) and which both heads attend `attention` times as
 * much: a trial's red disc, 0.65 like a tracked yellow triangle and attended less than it (trial 18).
 */
const faintLookAlike = (attention, cosine) => (index) => {
  const features = frame(index, [[1, 1, 1], [4, 9, 3]]);
  const mixed = [0, cosine, 0, Math.sqrt(1 - cosine ** 2)];
  for (let r = 4; r < 7; r++) for (let c = 9; c < 12; c++) {
    features.patchTokens.set(mixed, (r * cols + c) * dim);
    for (let h = 0; h < heads; h++) features.clsAttention[h * n + r * cols + c] = attention;
  }
  return features;
};

/**
 * Object 1 and, one patch column to its right (out of propagation's reach at radius 1), a square
 * whose tokens have cosine `cosine` with object 1's (axes 1 and 3 mixed).
 */
const besideObject = (cosine) => (index) => {
  const features = frame(index, [[1, 1, 1], [1, 5, 3]]);
  const mixed = [0, cosine, 0, Math.sqrt(1 - cosine ** 2)];
  for (let r = 1; r < 4; r++) for (let c = 5; c < 8; c++) features.patchTokens.set(mixed, (r * cols + c) * dim);
  return features;
};

async function run(discover, makeFrame = (t) => frame(t, [[1, 1, 1], [4, 7, 2]]), radius = 4, labels = initLabels, labelsSeen = []) {
  const tracker = createPromptedTracker({ width: cols * patch, height: rows * patch, patchSize: patch, initLabels: labels, initFrame: 0, contextFrames: 7, radius, topK: 5, temperature: 0.1, propagation: 'improved', discover });
  const visible = [];
  for (let t = 0; t < 6; t++) {
    const result = await tracker.update(makeFrame(t));
    visible.push(result.objects.filter((o) => !o.occluded).map((o) => o.id));
    labelsSeen.push(new Set(result.labels));
  }
  return visible;
}

describe('prompted mode --discover', () => {
  it('gives an unannotated object a new id once seen in 3 frames, keeping the annotated one', async () => {
    const visible = await run({ birthFrames: 3, maxObjects: 8 });
    assert.deepEqual(visible[0], [1]);
    assert.deepEqual(visible[2], [1]);
    assert.deepEqual(visible[3], [1, 2]);
    assert.deepEqual(visible[5], [1, 2]);
  });
  it('gives a new object a free id when the prompt used the largest (65535), not one that 16-bit labels wrap', async () => {
    // A second trial: ids went on from 65535 to 65536, written as 0 (background) in the labels.
    const labels = initLabels.map((id) => (id ? 65535 : 0));
    const labelsSeen = [];
    const visible = await run({ birthFrames: 3, maxObjects: 8 }, undefined, 4, labels, labelsSeen);
    assert.deepEqual(visible[3].sort((a, b) => a - b), [1, 65535]);
    assert.deepEqual([...labelsSeen[5]].sort((a, b) => a - b), [0, 1, 65535]);
  });
  for (const [what, attention, cosine] of [['attended half as much as the annotated one', 0.5, 0], ['0.65 like the annotated one, apart from it', 1, 0.65]]) {
    it(`finds an object ${what}`, async () => {
      // The attention regions kept the most attended objects' share of the mass (a faint object
      // was no region), and a region 0.5 like a known object counted as it even far from it.
      const visible = await run({ birthFrames: 3, maxObjects: 8 }, faintLookAlike(attention, cosine));
      assert.deepEqual(visible[2], [1]);
      assert.deepEqual(visible[3], [1, 2]);
      assert.deepEqual(visible[5], [1, 2]);
    });
  }
  it('does not take a region like the annotated object within its size of it for a new one (a piece of it beyond a pole)', async () => {
    // A review of the first form (a look-alike counted as new unless it touched the label): a red
    // square crossing a thin pole had the piece beyond the pole discovered as a second object.
    // Here the piece is one patch column from the object, out of the propagation's reach (radius 1).
    const visible = await run({ birthFrames: 3, maxObjects: 8 }, besideObject(0.65), 1);
    assert.ok(visible.every((ids) => ids.length === 1 && ids[0] === 1), `ids per frame: ${JSON.stringify(visible)}`);
  });
  it('finds an object beside the annotated one that looks like it much less than its own patches do', async () => {
    // A first-time user's yellow star 4–8 patches from a red box, unmarked on the prompt frame:
    // 0.53–0.58 like the box (its own patches together 0.98–1.00), it counted as a piece of the box until
    // the box had moved off (frame 35 of 60). Here the same place as the piece above, less alike.
    const visible = await run({ birthFrames: 3, maxObjects: 8 }, besideObject(0.55), 1);
    assert.deepEqual(visible[2], [1]);
    assert.deepEqual(visible[3], [1, 2]);
    assert.deepEqual(visible[5], [1, 2]);
  });
  it('measures how like its look an object is by its patches together, not by their average cosine, which its noise lowers', async () => {
    // A review: with patch-to-mean cosines well under 1 (as real DINO features may have), the mean
    // of the patches' cosines let a neighbour like the object much less than the object's patches
    // together pass for a piece again. Here object 1's patches alternate either side of its look
    // (axis 1 tilted towards ±axis 2: 0.6 each, 1 together); the neighbour, 0.45 like axis 1 raw,
    // is 0.67 like the look in the frame-centred space the tracker compares in.
    const noisyBeside = (cosine) => (index) => {
      const features = besideObject(cosine)(index);
      for (let r = 1; r < 4; r++) for (let c = 1; c < 4; c++) features.patchTokens.set([0, 0.6, (r + c) % 2 ? 0.8 : -0.8, 0], (r * cols + c) * dim);
      return features;
    };
    const visible = await run({ birthFrames: 3, maxObjects: 8 }, noisyBeside(0.45), 1);
    assert.deepEqual(visible[3], [1, 2]);
    assert.deepEqual(visible[5], [1, 2]);
  });
  it('does not discover an attended spot whose look changes from frame to frame (a blob wandering over the background)', async () => {
    // Tuning scene 108 with --discover (bench:prompts): a blob one head attends, looking like
    // whatever background it lies on, was discovered as two objects that then spread over a
    // wall. Here the spot stays in place and is attended as an object, but its look alternates
    // between two unrelated axes; the unsupervised tracker's candidates go on only where they
    // keep their look.
    const changingLook = (index) => frame(index, [[1, 1, 1], [4, 7, 2 + (index % 2)]]);
    const visible = await run({ birthFrames: 3, maxObjects: 8 }, changingLook);
    assert.ok(visible.every((ids) => ids.length === 1 && ids[0] === 1), `ids per frame: ${JSON.stringify(visible)}`);
  });
  it('without it tracks exactly the annotated objects', async () => {
    assert.ok((await run(undefined)).every((ids) => ids.length === 1 && ids[0] === 1));
  });
});
