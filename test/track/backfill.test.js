// The pipeline paints a new object into the frames that led to its birth, and a clip
// shorter than the birth window still gets its objects (a feature cache through trackFrames).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { trackFrames } from 'dino-track';
import { createFeatureCacheWriter } from '../../dist/features/index.js';
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
  const writer = createFeatureCacheWriter(file, { patch_size: 16, frame_width: cols * 16, frame_height: rows * 16, fps: 25, model: 'test' });
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
