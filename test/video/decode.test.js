import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeVideo, probeVideo } from '../../dist/video/index.js';
import { makeTempDir, makeVideo } from '../fixtures.js';

async function decodeAll(video, modelWidth, modelHeight) {
  const frames = [];
  for await (const frame of decodeVideo({ video, modelWidth, modelHeight, keepFull: true }).frames) frames.push(frame);
  return frames;
}

describe('decodeVideo with full-size frames', () => {
  it('pipes a frame once when the model input is the frame size: the full frame is the model frame', async () => {
    const file = makeVideo(path.join(makeTempDir(), 'in.mp4'), { width: 64, height: 48, fps: 10, seconds: 0.5 });
    const video = await probeVideo(file);
    const frames = await decodeAll(video, 64, 48);
    assert.equal(frames.length, 5);
    for (const frame of frames) {
      assert.equal(frame.full, frame.model, 'one buffer, not a second conversion of the same frame');
      assert.equal(frame.full.length, 64 * 48 * 3);
    }
    // Same pixels as the two-pipe path gives at a different model size.
    const scaled = await decodeAll(video, 32, 32);
    assert.deepEqual(scaled.map((f) => f.full), frames.map((f) => f.model));
    assert.equal(scaled[0].model.length, 32 * 32 * 3);
  });
});
