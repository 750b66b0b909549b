// The pipeline paints a new object into the frames that led to its birth, and a clip
// shorter than the birth window still gets its objects (a feature cache through trackFrames).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { trackFrames } from 'dino-track';
import { createFeatureCacheWriter } from '../../dist/features/index.js';
import { paintBirth } from '../../dist/track/index.js';
import { makeTempDir } from '../fixtures.js';
import { squareFeatures } from './square-features.js';

const rows = 6;
const cols = 8;
const dim = 4;
const heads = 2;
const work = makeTempDir();

/** A cache of `frames` frames with one steady 3x3-patch object at patch (2, 2). */
async function writeSteadyCache(frames) {
  const file = path.join(work, `steady-${frames}.safetensors`);
  // Replaced: two cases write a cache of the same length.
  const writer = createFeatureCacheWriter(file, { patch_size: 16, frame_width: cols * 16, frame_height: rows * 16, fps: 25, model: 'test' }, 'F32', true);
  for (let index = 0; index < frames; index++) await writer.write({ index, rows, cols, heads, dim, ...squareFeatures({ rows, cols, dim, heads }, [[2, 2, 1]]) });
  await writer.finish();
  return file;
}

/** The label at the centre of patch (3, 3), the object's middle. */
const centreLabel = (frame) => frame.labels[(3 * 16 + 8) * frame.width + 3 * 16 + 8];

describe('backfill of births', () => {
  for (const [frames, stride] of [[6, 1], [6, 2], [1, 1], [2, 1]]) {
    it(`every frame of a ${frames}-frame clip (stride ${stride}) has the steady object, frame 0 included`, async () => {
      const labels = [];
      for await (const frame of trackFrames({ features: await writeSteadyCache(frames), stride, threshold: 0.9 })) {
        labels.push(centreLabel(frame));
        assert.deepEqual(frame.objects.filter((o) => !o.occluded).map((o) => o.id), [1], `frame ${frame.index}`);
      }
      assert.deepEqual(labels, Array(frames).fill(1));
    });
  }
});

describe('painting a birth into an earlier frame', () => {
  // A 12x4 frame: object 1's body at x 0-3, and a detached piece at x 8-11 — a newcomer its
  // track took for a piece of itself before the newcomer was born (a first-time user: a yellow
  // square 40 px from a red one was written as part of red on its first two frames).
  const [width, height] = [12, 4];
  const frame = (fill) => {
    const labels = new Uint16Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) labels[y * width + x] = fill(x, y);
    return labels;
  };
  const result = { index: 3, width, height, labels: frame((x) => (x < 4 || x >= 8 ? 1 : 0)), objects: [{ id: 1, area: 32, bbox: [0, 0, 12, 4], score: 0.9, occluded: false }] };

  it('takes a detached piece of another object that lies mostly inside the birth', () => {
    const painted = paintBirth(result, { index: 3, labels: frame((x) => (x >= 7 ? 5 : 0)), score: 0.5 });
    assert.deepEqual(Array.from(painted.labels.subarray(0, width)), [1, 1, 1, 1, 0, 0, 0, 5, 5, 5, 5, 5]);
    assert.deepEqual(painted.objects.map((o) => [o.id, o.area]), [[1, 16], [5, 20]]);
  });

  it('leaves another object\'s largest piece, and a piece mostly outside the birth, as they are', () => {
    const over = paintBirth(result, { index: 3, labels: frame((x) => (x >= 2 && x < 7 ? 5 : 0)) });
    assert.deepEqual(Array.from(over.labels.subarray(0, width)), [1, 1, 1, 1, 5, 5, 5, 0, 1, 1, 1, 1]);
    const edge = paintBirth(result, { index: 3, labels: frame((x) => (x >= 10 ? 5 : 0)) });
    assert.deepEqual(Array.from(edge.labels.subarray(0, width)), [1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1]);
  });
});
