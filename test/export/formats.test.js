import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decode } from 'fast-png';
import { decodeCocoRle, encodeCocoRle, encodeRleCounts, getColumnMajorRuns } from '../../dist/export/index.js';
import { cli, makeTempDir, makeVideo, models, runCli, trackTestVideo } from '../fixtures.js';

describe('COCO compressed RLE', () => {
  // Vectors worked out by hand from pycocotools' rleToString (5-bit groups, +48, delta from i-2).
  for (const [runs, counts] of [
    [[1, 3], '13'],
    [[0, 100, 50, 30], '0T3b1jM'],
    [[4], '4'],
  ]) {
    it(`encodes runs ${JSON.stringify(runs)} as ${counts}`, () => assert.equal(encodeRleCounts(runs), counts));
  }
  it('runs are column-major and start with background', () => {
    // 2x3 label map (row-major): column-major order is 0,1 | 1,1 | 0,0
    assert.deepEqual(getColumnMajorRuns([0, 1, 0, 1, 1, 0], 1, 3, 2), [1, 3, 2]);
  });
  it('round-trips a mask', () => {
    const labels = Uint16Array.from({ length: 37 * 23 }, (_, i) => ((i * 7919) % 13 < 5 ? 2 : 0));
    const rle = encodeCocoRle(labels, 2, 37, 23);
    assert.deepEqual(rle.size, [23, 37]);
    const back = decodeCocoRle(rle);
    assert.ok(back.every((v, i) => v === (labels[i] === 2 ? 1 : 0)));
  });
});

describe('several formats from one run', () => {
  it('DAVIS PNGs, COCO and YouTube-VIS RLE describe the same masks per frame and id; MOT and NDJSON agree on boxes', async () => {
    // 320x240: there the random-weight tiny model gives the tracker objects (at 128x96 it gives none).
    const { out } = await trackTestVideo('davis,coco,ytvis,mot,ndjson', { width: 320, height: 240, fps: 25 });
    const frames = 50; // 2 s at 25 fps
    const coco = JSON.parse(readFileSync(path.join(out, 'coco.json'), 'utf8'));
    assert.equal(coco.images.length, frames);
    const pngs = readdirSync(path.join(out, 'masks')).sort();
    assert.equal(pngs.length, frames);
    const ytvis = JSON.parse(readFileSync(path.join(out, 'ytvis.json'), 'utf8'));
    assert.equal(ytvis.videos[0].length, frames);
    let ytvisCompared = 0;
    let compared = 0;
    for (const [t, name] of pngs.entries()) {
      const bytes = readFileSync(path.join(out, 'masks', name));
      assert.equal(bytes[25], 3, 'PNG colour type 3 (indexed)');
      const png = decode(bytes);
      assert.equal(png.channels, 1);
      assert.deepEqual(png.palette.slice(0, 4), [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]], 'DAVIS palette');
      const ids = new Set(png.data);
      ids.delete(0);
      const annotations = coco.annotations.filter((a) => a.image_id === t + 1);
      assert.deepEqual(annotations.map((a) => a.track_id).sort(), [...ids].sort());
      for (const annotation of annotations) {
        const mask = decodeCocoRle(annotation.segmentation);
        for (let i = 0; i < mask.length; i++) assert.equal(mask[i], png.data[i] === annotation.track_id ? 1 : 0);
        compared++;
      }
      for (const track of ytvis.annotations) {
        const rle = track.segmentations[t];
        assert.equal(rle !== null, ids.has(track.id), `ytvis track ${track.id} frame ${t}`);
        if (rle === null) continue;
        const mask = decodeCocoRle(rle);
        for (let i = 0; i < mask.length; i++) assert.equal(mask[i], png.data[i] === track.id ? 1 : 0);
        ytvisCompared++;
      }
      assert.equal(ids.size, ytvis.annotations.filter((a) => a.segmentations[t] !== null).length, 'every id of the PNG has its ytvis track');
    }
    assert.equal(ytvisCompared, compared);
    assert.ok(compared > 0, 'no object was tracked, nothing compared');

    const mot = readFileSync(path.join(out, 'tracks.txt'), 'utf8').trim().split('\n');
    assert.equal(mot.length, coco.annotations.length);
    const first = coco.annotations[0];
    // MOTChallenge's boxes are 1-based, as its frames: COCO's 0-based left and top plus one.
    const [left, top, w, h] = first.bbox;
    assert.ok(mot.includes(`${first.image_id},${first.track_id},${left + 1},${top + 1},${w},${h},${first.score},-1,-1,-1`));
    const lines = readFileSync(path.join(out, 'tracks.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, frames);
    // One score per object and frame, the same in every format (they differed in their decimals).
    const cocoScores = new Map(coco.annotations.map((a) => [`${a.image_id - 1}/${a.track_id}`, a.score]));
    const ndjsonScores = lines.flatMap((line) => line.objects.filter((o) => !o.occluded).map((o) => [`${line.frame}/${o.id}`, o.score]));
    assert.equal(ndjsonScores.length, cocoScores.size);
    for (const [key, score] of ndjsonScores) assert.equal(cocoScores.get(key), score, key);
    assert.ok(ndjsonScores.every(([, score]) => Number(score.toFixed(4)) === score), 'scores have at most 4 decimals');
  });

  it('-o - --format ndjson | head -n 3: three JSON lines, clean exit, no EPIPE trace', async () => {
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'long.mp4'), { width: 128, height: 96, fps: 25, seconds: 20 });
    const child = spawn(process.execPath, [cli, video, '-o', '-', '--model', models.tiny, '--short-side', '96'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const lines = [];
    let buffer = '';
    await new Promise((resolve) => {
      child.stdout.on('data', (chunk) => {
        buffer += chunk;
        const parts = buffer.split('\n');
        buffer = parts.pop();
        lines.push(...parts);
        if (lines.length >= 3) {
          child.stdout.destroy(); // what `head -n 3` does: close the pipe
          resolve();
        }
      });
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.ok(lines.slice(0, 3).every((l) => typeof JSON.parse(l).frame === 'number'));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|\n\s+at /);
  });

  it('-o - --save-features F | head -n 3: one line saying the cache was not written, exit 1, nothing at F', async () => {
    // A first-time user's trial: exit 0, no line, and no cache.
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'long.mp4'), { width: 128, height: 96, fps: 25, seconds: 20 });
    const cache = path.join(dir, 'f.safetensors');
    const child = spawn(process.execPath, [cli, video, '-o', '-', '--save-features', cache, '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    let lines = 0;
    child.stdout.on('data', (chunk) => {
      lines += String(chunk).split('\n').length - 1;
      if (lines >= 3) child.stdout.destroy();
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 1, stderr);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /^dino-track: error: stdout closed before the end of the video .*--save-features .*f\.safetensors was not written/);
    assert.deepEqual(readdirSync(dir).sort(), ['long.mp4']);
  });

  it('-o - > /dev/full: one line saying stdout has no space and to redirect it, exit 1', { skip: !existsSync('/dev/full') && 'no /dev/full here' }, () => {
    // A first-time user's trial: "no space left on the device; free some space or choose another -o", with no -o to choose.
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });
    const full = openSync('/dev/full', 'w');
    const child = spawnSync(process.execPath, [cli, video, '-o', '-', '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { stdio: ['ignore', full, 'pipe'], encoding: 'utf8' });
    closeSync(full);
    assert.equal(child.status, 1, child.stderr);
    assert.equal(child.stderr, 'dino-track: error: cannot write the ndjson to stdout: no space left on the device (ENOSPC); free some space, or redirect stdout to a file on a disk with space\n');
  });
});

describe('overlay modes', () => {
  for (const [mode, widthFactor] of [['attention', 1], ['side-by-side', 2]]) {
    it(`--overlay ${mode}: input frame count and rate, ${widthFactor}x the width`, async () => {
      const { probeStreams } = await import('../fixtures.js');
      const dir = makeTempDir();
      const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 1 });
      const out = path.join(dir, 'out.mp4');
      const { code, stderr } = await runCli([video, '-o', out, '--overlay', mode, '--model', models.tiny, '--short-side', '96']);
      assert.equal(code, 0, stderr);
      const [input] = probeStreams(video);
      const [output] = probeStreams(out);
      assert.equal(output.nb_read_frames, input.nb_read_frames);
      assert.equal(output.r_frame_rate, input.r_frame_rate);
      assert.equal(output.width, input.width * widthFactor);
      assert.equal(output.height, input.height);
    });
  }
});
