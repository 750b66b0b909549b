import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { makeTempDir, models, runCli } from '../fixtures.js';
import { writeRenderedScene } from '../bench/rendered-scenes.js';

const dir = makeTempDir();
const env = { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
/** The model under test; DESIGNED_MODEL=other.onnx shows what another one (e.g. the random-weight tiny model) scores. */
const model = process.env.DESIGNED_MODEL || models.designed;
let scene;

before(async () => {
  // 12 frames of a rendered scene (3 textured objects, two touching, over a panning textured background): enough for births (3 frames at 25 fps).
  scene = await writeRenderedScene('test-contact', dir, [], 12);
});

describe('designed ViT through the CLI on a rendered clip (real ffmpeg, preparation, onnxruntime, refinement, eval)', () => {
  it('finds every object and its masks land on it (refined J per object >= 0.8, no id switches)', async () => {
    const out = path.join(dir, 'out');
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '480', '-o', out, '--format', 'davis', '--refine', 'guided', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const scored = await runCli(['eval', '--pred', out, '--gt', scene.truth, '--json']);
    assert.equal(scored.code, 0, scored.stderr);
    const score = JSON.parse(scored.stdout);
    assert.equal(score.perObject.length, 3);
    for (const object of score.perObject) {
      assert.ok(object.predictedId !== undefined, `object ${object.truthId} was never tracked`);
      // A random-weight model's attention is not on the objects: its best-matching masks score far lower.
      assert.ok(object.j >= 0.8, `object ${object.truthId}: J ${object.j.toFixed(3)} < 0.8`);
    }
    assert.equal(score.idSwitches, 0);
  });

  it('scores the frames a new object is painted back into 0.5, as at its birth, with refinement too', async () => {
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '480', '-o', '-', '--format', 'ndjson', '--refine', 'guided', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const frames = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    // Every object is in view from frame 0 and born at frame 2 (3 frames at 25 fps): frames 0-1 are painted back.
    for (const frame of frames.slice(0, 3)) {
      const visible = frame.objects.filter((o) => !o.occluded);
      assert.equal(visible.length, 3, `frame ${frame.frame}`);
      for (const object of visible) assert.equal(object.score, 0.5, `frame ${frame.frame}, id ${object.id}`);
    }
  });

  it('gives a new object its own id when it looks like a track it does not touch (propagation does not take it)', async () => {
    // A first-time user's clip (10 fps, 3 s): blue leaves at the right edge while cyan crosses it, yellow
    // hides for a second, and green appears at (240, 170) from 1.2 s, 100 px from cyan. The designed ViT
    // sees mostly "coloured, not grey", so label propagation gave cyan's label to green's patches, which
    // no track claimed, and cyan's track kept them frame after frame: one mask of two squares, green never born.
    const video = path.join(dir, 'late-look-alike.mp4');
    const colour = (c, size) => ['-f', 'lavfi', '-i', `color=c=${c}:s=${size}x${size}:r=10:d=3`];
    execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x808080:s=320x240:r=10:d=3',
      ...colour('red', 40), ...colour('blue', 40), ...colour('cyan', 36), ...colour('yellow', 30), ...colour('green', 40),
      '-filter_complex', "[0][1]overlay=x='20+80*t':y=20[a];[a][2]overlay=x='180+60*t':y=110[b];[b][3]overlay=x='260-70*t':y=112[c];"
        + "[c][4]overlay=x=40:y=170:enable='lt(t,0.8)+gt(t,1.8)'[d];[d][5]overlay=x=240:y=170:enable='gte(t,1.2)',format=yuv420p",
      '-c:v', 'libx264', video]);
    const run = await runCli(['track', video, '--model', model, '-o', '-', '--format', 'ndjson', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const frames = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    const at = (frame, x, y) => frame.objects.filter((o) => !o.occluded && o.bbox[0] <= x && x < o.bbox[0] + o.bbox[2] && o.bbox[1] <= y && y < o.bbox[1] + o.bbox[3]);
    for (const frame of frames.filter((f) => f.frame >= 13)) {
      const green = at(frame, 260, 190);
      assert.equal(green.length, 1, `frame ${frame.frame}: green's centre in ${green.length} masks`);
      assert.ok(green[0].bbox[2] <= 48 && green[0].bbox[3] <= 48, `frame ${frame.frame}: green's mask ${green[0].bbox} holds more than green`);
    }
  });
});
