import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createFramesWriter } from '../../dist/export/frames.js';
import { makeTempDir, models, readRgbFrames, runCli, trackTestVideo } from '../fixtures.js';

/** Mean absolute difference per channel a 4:4:4 JPEG at quality 95 stays under on the test pattern (measured 0.9). */
const jpegTolerance = 2;

describe('frames format', () => {
  it('a frame that cannot be written fails with the system\'s code (ENOSPC on a full disk gets its one line)', async () => {
    // sharp's own file writing said "PATH: write error", without a code, on a full disk.
    const dir = makeTempDir('dino-track-frames-');
    mkdirSync(path.join(dir, 'frames', '00000.jpg'), { recursive: true }); // where the file should go
    const writer = createFramesWriter(dir);
    const image = new Uint8Array(16 * 8 * 3);
    await assert.rejects(writer.write({ index: 0, width: 16, height: 8 }, image), { code: 'EISDIR' });
  });

  it('--format frames,coco: frames/ holds every decoded frame under the names coco.json gives', async () => {
    const { out, video } = await trackTestVideo('frames,coco', { seconds: 1 });
    const coco = JSON.parse(readFileSync(path.join(out, 'coco.json'), 'utf8'));
    const files = readdirSync(path.join(out, 'frames')).sort();
    assert.deepEqual(coco.images.map((i) => i.file_name), files);
    assert.equal(files.length, 10);
    const rgb = readRgbFrames(video);
    const plane = 128 * 96 * 3;
    for (const [t, name] of files.entries()) {
      const { data, info } = await sharp(path.join(out, 'frames', name)).raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual([info.width, info.height, info.channels, info.format], [128, 96, 3, 'raw']);
      let sum = 0;
      for (let i = 0; i < plane; i++) sum += Math.abs(data[i] - rgb[t * plane + i]);
      assert.ok(sum / plane < jpegTolerance, `frame ${t} differs by ${(sum / plane).toFixed(2)} on average`);
    }
  });

  it('--features with the video: frames come from the video, the masks from the cache', async () => {
    const { out: first, video } = await trackTestVideo('davis', { seconds: 1 });
    const cache = path.join(path.dirname(first), 'f.safetensors');
    const saved = await runCli([video, '-o', `${first}2`, '--format', 'mot', '--model', models.tiny, '--short-side', '96', '--save-features', cache]);
    assert.equal(saved.code, 0, saved.stderr);
    const out = path.join(path.dirname(first), 'from-cache');
    const { code, stderr } = await runCli([video, '--features', cache, '-o', out, '--format', 'frames,coco']);
    assert.equal(code, 0, stderr);
    const coco = JSON.parse(readFileSync(path.join(out, 'coco.json'), 'utf8'));
    assert.deepEqual(coco.images.map((i) => i.file_name), readdirSync(path.join(out, 'frames')).sort());
    const { info } = await sharp(path.join(out, 'frames', '00009.jpg')).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [128, 96]);
  });

  it('--features without the video: frames is a usage error, like the overlay', async () => {
    const dir = makeTempDir();
    const { code, stderr } = await runCli(['--features', path.join(dir, 'f.safetensors'), '-o', path.join(dir, 'out'), '--format', 'coco,frames']);
    assert.equal(code, 2);
    assert.equal(stderr.trim(), 'dino-track: error: the frames format needs the input video; give it as INPUT alongside --features');
  });
});
