import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFrameWriter } from '../../dist/write-frames.js';
import { createStageClock } from '../../dist/util/stage-clock.js';

const result = (index) => ({ index, width: 4, height: 2, labels: new Uint16Array(8), objects: [] });
const frame = (index) => ({ index, time: index / 25, image: undefined });

describe('frame writer', () => {
  it('reports progress as frames are tracked, though it holds a second of them back for births', async () => {
    const written = [];
    const progress = [];
    const writer = createFrameWriter({
      outputs: { write: async (r) => { written.push(r.index); }, finish: async () => {}, abort: async () => {} },
      formats: ['davis'], clock: createStageClock(), lookBack: 25, total: 30,
      onProgress: (done, total) => progress.push([done, total]),
    });
    for (let t = 0; t < 3; t++) assert.equal(await writer.addKeyFrame(result(t), frame(t), []), true);
    assert.deepEqual(written, [], 'held back');
    assert.deepEqual(progress, [[1, 30], [2, 30], [3, 30]]);
    for (let t = 3; t < 30; t++) await writer.addKeyFrame(result(t), frame(t), []);
    assert.equal(await writer.finish([]), true);
    assert.deepEqual(written, Array.from({ length: 30 }, (_, t) => t));
    assert.deepEqual(progress.at(-1), [30, 30]);
  });
});

describe('frames held back for births', () => {
  it('are a second of key frames at 480 lines, fewer for large or high-rate video (within 192 MiB), never under a birth window', async () => {
    const { getHeldKeyFrames } = await import('../../dist/write-frames.js');
    assert.equal(getHeldKeyFrames(25, { width: 848, height: 480 }, 1), 25);
    assert.equal(getHeldKeyFrames(60, { width: 1920, height: 1080 }, 1), 19, '1080p at 60 fps: 19 frames of ~10 MB');
    assert.equal(getHeldKeyFrames(25, { width: 3840, height: 2160 }, 1), 4);
    assert.equal(getHeldKeyFrames(25, { width: 7680, height: 4320 }, 1), 2, 'a birth window at least');
    assert.equal(getHeldKeyFrames(5, { width: 1920, height: 1080 }, 5), 3, 'with --stride a key frame holds the frames between');
    assert.equal(getHeldKeyFrames(0, { width: 848, height: 480 }, 1), 0, 'a tracker that paints nothing back holds nothing');
  });
});
