import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decode } from 'fast-png';
import { encodeDavisPng } from '../../dist/export/index.js';
import { encodeDavisPngAsync } from '../../dist/export/davis.js';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { makeTempDir } from '../fixtures.js';

/** Labels 0..3 in blocks, odd width so rows are not word-aligned. */
function makeLabels(width, height) {
  return Uint16Array.from({ length: width * height }, (_, i) => ((i % width) >> 3) % 4 + (i > width * (height - 2) ? 200 : 0));
}

describe('DAVIS PNG encoding (native zlib)', () => {
  it('round-trips labels and the DAVIS palette through a PNG decoder', () => {
    const width = 37;
    const height = 11;
    const labels = makeLabels(width, height);
    const png = decode(encodeDavisPng(labels, width, height));
    assert.equal(png.width, width);
    assert.equal(png.height, height);
    assert.equal(png.depth, 8);
    assert.deepEqual(Array.from(png.data), Array.from(labels));
    assert.equal(png.palette.length, 256);
    assert.deepEqual(png.palette[1], [128, 0, 0]); // DAVIS: id 1 is dark red
  });

  it('compresses off the main thread to the same bytes, and refuses an id a palette index cannot hold', async () => {
    const labels = makeLabels(37, 11);
    assert.deepEqual(await encodeDavisPngAsync(labels, 37, 11), encodeDavisPng(labels, 37, 11));
    labels[40] = 256;
    await assert.rejects(encodeDavisPngAsync(labels, 37, 11), { message: /^track id 256 does not fit an 8-bit DAVIS PNG \(ids 1-255; dino-track never reuses an id, so --max-objects does not bound them\); write ids past 255 with coco, ytvis, cvat, mot or ndjson$/ });
    assert.throws(() => encodeDavisPng(labels, 37, 11), /track id 256/);
  });

  it('writes a file ffmpeg decodes without complaint (CRCs and chunks valid)', () => {
    const folder = makeTempDir();
    const file = path.join(folder, 'mask.png');
    writeFileSync(file, encodeDavisPng(makeLabels(64, 48), 64, 48));
    const { ffmpeg } = getFfmpegBinaries();
    const errors = execFileSync(ffmpeg, ['-v', 'error', '-err_detect', 'crccheck+explode', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(errors, '');
  });
});
