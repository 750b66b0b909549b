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
