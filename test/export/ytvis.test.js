import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createYtvisWriter, decodeCocoRle } from '../../dist/export/index.js';
import { runCleanups } from '../../dist/util/cleanup.js';
import { makeTempDir } from '../fixtures.js';
import { makeFrameResult, settle } from './frame-results.js';

/** Track 3 is seen on frames 0–4 and 7–9 (hidden on 5–6), track 4 from frame 2 to 5. */
function getBoxes(t) {
  const boxes = {};
  if (t < 5 || t > 6) boxes[3] = [t, 1, 3, 4];
  if (t >= 2 && t <= 5) boxes[4] = [10, t, 2, 2];
  return { boxes, hidden: t === 5 || t === 6 ? [3] : [] };
}

describe('ytvis writer', () => {
  it('one annotation per track with per-frame RLE, areas and boxes, null where not visible', async () => {
    const dir = makeTempDir();
    const writer = createYtvisWriter(dir);
    for (let t = 0; t < 10; t++) await writer.write(makeFrameResult(t, getBoxes(t)));
    await settle();
    assert.deepEqual(readdirSync(path.join(dir, '.ytvis-scratch')).sort(), ['3.ndjson', '4.ndjson'], 'per-frame entries are on disk, not in memory');
    await writer.finish();
    const ytvis = JSON.parse(readFileSync(path.join(dir, 'ytvis.json'), 'utf8'));
    assert.deepEqual(ytvis.videos, [{ id: 1, width: 16, height: 12, length: 10, file_names: Array.from({ length: 10 }, (_, t) => `${String(t).padStart(5, '0')}.jpg`) }]);
    assert.deepEqual(ytvis.categories.map((c) => c.id), [1]);
    assert.deepEqual(ytvis.annotations.map((a) => [a.id, a.video_id, a.category_id, a.iscrowd]), [[3, 1, 1, 0], [4, 1, 1, 0]]);
    for (const annotation of ytvis.annotations) {
      assert.equal(annotation.segmentations.length, 10);
      for (let t = 0; t < 10; t++) {
        const box = getBoxes(t).boxes[annotation.id];
        if (!box) {
          assert.deepEqual([annotation.segmentations[t], annotation.areas[t], annotation.bboxes[t]], [null, null, null], `track ${annotation.id} frame ${t}`);
          continue;
        }
        const frame = makeFrameResult(t, getBoxes(t));
        assert.deepEqual([...decodeCocoRle(annotation.segmentations[t])], [...frame.labels].map((v) => (v === annotation.id ? 1 : 0)));
        assert.deepEqual([annotation.areas[t], annotation.bboxes[t]], [box[2] * box[3], box]);
      }
    }
    assert.ok(!existsSync(path.join(dir, '.ytvis-scratch')), 'scratch removed');
  });
  it('abort and Ctrl-C remove the scratch files', async () => {
    for (const stop of [(writer) => writer.abort(), async () => runCleanups()]) {
      const dir = makeTempDir();
      const writer = createYtvisWriter(dir);
      await writer.write(makeFrameResult(0, { boxes: { 1: [0, 0, 2, 2] } }));
      assert.ok(existsSync(path.join(dir, '.ytvis-scratch')));
      await stop(writer);
      assert.ok(!existsSync(path.join(dir, '.ytvis-scratch')));
      await writer.abort();
    }
  });
});
