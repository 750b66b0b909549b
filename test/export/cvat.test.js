import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decode } from 'fast-png';
import { createCvatWriter, encodeCvatRle } from '../../dist/export/index.js';
import { makeTempDir, trackTestVideo } from '../fixtures.js';
import { makeFrameResult } from './frame-results.js';
import { decodeCvatMask, loadCvatAnnotations } from './cvat-loader.js';

describe('CVAT loader semantics (the reader the tests use)', () => {
  it('a <track> of masks comes back as one shape, its first keyframe; <image> masks all come back', () => {
    const mask = (frame, extra = '') => `<mask frame="${frame}" keyframe="1" outside="0" occluded="0" rle="0, 1" left="1" top="2" width="1" height="1"${extra}/>`;
    const tracked = loadCvatAnnotations(`<annotations><track id="0" label="object">${mask(3)}${mask(4)}${mask(5)}</track></annotations>`);
    assert.deepEqual(tracked.shapes.map((s) => s.frame), [3]);
    const images = loadCvatAnnotations('<annotations><image id="0" name="a.jpg"><mask label="object" rle="0, 1" left="1" top="2" width="1" height="1" group_id="7"/></image>'
      + '<image id="1" name="b.jpg"><mask label="object" rle="1, 1" left="0" top="0" width="2" height="1" group_id="7"/></image></annotations>', ['b.jpg', 'a.jpg']);
    assert.deepEqual(images.shapes.map((s) => [s.frame, s.group]), [[1, 7], [0, 7]], 'frames matched by name');
    assert.deepEqual([...decodeCvatMask(images.shapes[1].points, 3, 3)], [0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('CVAT RLE', () => {
  it('row-major runs inside the box, starting with background', () => {
    // 4x3 frame, id 2 at (1,1), (2,1), (2,2): box [1, 1, 2, 2] reads 1,1 | 0,1
    const labels = [0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 2, 0];
    assert.equal(encodeCvatRle(labels, 2, 4, [1, 1, 2, 2]), '0, 2, 1, 1');
  });
});

describe('cvat writer', () => {
  it('writes no mask for a hidden object; what it writes comes back through the importer exactly', async () => {
    const dir = makeTempDir();
    const writer = createCvatWriter(dir, 10);
    const results = [
      makeFrameResult(0, { boxes: { 1: [2, 3, 4, 5], 2: [9, 0, 3, 2] } }),
      makeFrameResult(1, { boxes: { 2: [10, 1, 3, 2] }, hidden: [1] }),
      makeFrameResult(2, { boxes: { 1: [3, 3, 4, 5] }, hidden: [2] }),
    ];
    for (const result of results) await writer.write(result);
    await writer.finish();
    const { shapes } = loadCvatAnnotations(readFileSync(path.join(dir, 'cvat.xml'), 'utf8'));
    assert.deepEqual(shapes.map((s) => [s.frame, s.group]), [[0, 1], [0, 2], [1, 2], [2, 1]]);
    for (const shape of shapes) {
      assert.deepEqual([...decodeCvatMask(shape.points, 16, 12)], [...results[shape.frame].labels].map((v) => (v === shape.group ? 1 : 0)));
    }
  });
});

describe('cvat.xml through the importer', () => {
  it('every visible object-frame of the DAVIS PNGs comes back exactly, with its id; nothing else', async () => {
    // 320x240: there the random-weight tiny model gives the tracker objects (at 128x96 it gives none).
    const { out } = await trackTestVideo('davis,cvat', { width: 320, height: 240, fps: 25 });
    const xml = readFileSync(path.join(out, 'cvat.xml'), 'utf8');
    assert.match(xml, /<label><name>object<\/name><type>mask<\/type><attributes><attribute><name>object_id<\/name>/, 'the label and its id attribute are declared');
    const pngs = readdirSync(path.join(out, 'masks')).sort();
    const { shapes, tracks } = loadCvatAnnotations(xml, pngs.map((name) => name.replace('.png', '.jpg')));
    assert.equal(tracks.length, 0);
    const seen = new Set();
    for (const shape of shapes) {
      assert.equal(shape.type, 'mask');
      assert.equal(shape.label, 'object');
      assert.equal(shape.occluded, false);
      const id = shape.group;
      assert.deepEqual(shape.attributes, [{ name: 'object_id', value: String(id) }]);
      const key = `${shape.frame}/${id}`;
      assert.ok(!seen.has(key), `one mask per object and frame (${key})`);
      seen.add(key);
      const png = decode(readFileSync(path.join(out, 'masks', pngs[shape.frame])));
      const mask = decodeCvatMask(shape.points, 320, 240);
      for (let i = 0; i < mask.length; i++) if (mask[i] !== (png.data[i] === id ? 1 : 0)) assert.fail(`frame ${shape.frame} id ${id} differs at pixel ${i}`);
    }
    const expected = new Set();
    for (const [frame, name] of pngs.entries()) {
      for (const id of new Set(decode(readFileSync(path.join(out, 'masks', name))).data)) if (id !== 0) expected.add(`${frame}/${id}`);
    }
    assert.ok(expected.size > 0, 'no object was tracked, nothing compared');
    assert.deepEqual([...seen].sort(), [...expected].sort(), 'every visible object-frame, none extra');
  });
});
