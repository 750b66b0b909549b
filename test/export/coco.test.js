import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createCocoWriter, decodeCocoRle } from '../../dist/export/index.js';
import { createNdjsonWriter } from '../../dist/export/ndjson.js';
import { runCleanups } from '../../dist/util/cleanup.js';
import { makeTempDir } from '../fixtures.js';
import { makeFrameResult, settle } from './frame-results.js';

describe('coco writer', () => {
  it('streams annotations to coco.json while frames come; the file is valid COCO at the end', async () => {
    const dir = makeTempDir();
    const writer = createCocoWriter(dir, 10);
    for (let t = 0; t < 30; t++) await writer.write(makeFrameResult(t, { boxes: { 3: [t % 10, 2, 4, 5] }, hidden: t % 2 ? [5] : [] }));
    await settle();
    assert.ok(statSync(path.join(dir, 'coco.json')).size > 1000, 'annotations are on disk before the end');
    await writer.finish();
    const coco = JSON.parse(readFileSync(path.join(dir, 'coco.json'), 'utf8'));
    assert.deepEqual(coco.images.map((i) => i.file_name).slice(0, 2), ['00000.jpg', '00001.jpg']);
    assert.equal(coco.images.length, 30);
    assert.deepEqual(coco.annotations.map((a) => a.id), Array.from({ length: 30 }, (_, k) => k + 1));
    assert.ok(coco.annotations.every((a) => a.track_id === 3 && a.image_id === coco.images[a.id - 1].id));
    const frame = makeFrameResult(7, { boxes: { 3: [7, 2, 4, 5] } });
    assert.deepEqual([...decodeCocoRle(coco.annotations[7].segmentation)], [...frame.labels].map((v) => (v === 3 ? 1 : 0)));
    assert.deepEqual(coco.categories, [{ id: 1, name: 'object', supercategory: 'object' }]);
    assert.ok(!existsSync(path.join(dir, '.coco-scratch')), 'scratch removed');
  });
  it('writes each frame\'s time as NDJSON does: 1.4, not the decoder\'s 7 x 0.2 = 1.4000000000000001', async () => {
    const dir = makeTempDir();
    const coco = createCocoWriter(dir, 5);
    const ndjson = createNdjsonWriter(path.join(dir, 'tracks.ndjson'), 5);
    for (let t = 0; t < 10; t++) {
      // A decoded frame's time is its timestamp times the stream's frame duration.
      const frame = { ...makeFrameResult(t, { boxes: { 1: [0, 0, 2, 2] } }), time: t * 0.2 };
      await coco.write(frame);
      await ndjson.write(frame);
    }
    await coco.finish();
    await ndjson.finish();
    const cocoTimes = JSON.parse(readFileSync(path.join(dir, 'coco.json'), 'utf8')).images.map((i) => i.time);
    const ndjsonTimes = readFileSync(path.join(dir, 'tracks.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).time);
    assert.equal(cocoTimes[7], 1.4);
    assert.deepEqual(cocoTimes, ndjsonTimes);
  });
  it('a run with no frames is still valid JSON', async () => {
    const dir = makeTempDir();
    const writer = createCocoWriter(dir, 10);
    await writer.finish();
    assert.deepEqual(JSON.parse(readFileSync(path.join(dir, 'coco.json'), 'utf8')).images, []);
  });
  it('abort and Ctrl-C remove the scratch file', async () => {
    for (const stop of [(writer) => writer.abort(), async () => runCleanups()]) {
      const dir = makeTempDir();
      const writer = createCocoWriter(dir, 10);
      await writer.write(makeFrameResult(0, { boxes: { 1: [0, 0, 2, 2] } }));
      assert.ok(existsSync(path.join(dir, '.coco-scratch')));
      await stop(writer);
      assert.ok(!existsSync(path.join(dir, '.coco-scratch')));
      await writer.abort();
    }
  });
});
