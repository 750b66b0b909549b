import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeVideo, getFfmpegBinaries, probeVideo } from '../../dist/video/index.js';
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

describe('probeVideo frame counts', () => {
  it('takes a container count the duration does not bear out as an estimate: an MP4 cut without re-encoding', async () => {
    // A review: `ffmpeg -ss 1.25 -c copy` keeps the samples before the cut with an edit list that
    // skips them; nb_frames said 40 where 27 decode, and the feature cache saved from that very
    // file was then refused with it ("the video has 40 frames but the feature cache has 27").
    const dir = makeTempDir();
    const source = makeVideo(path.join(dir, 'src.mp4'), { width: 160, height: 128, fps: 10, seconds: 4 });
    const trimmed = path.join(dir, 'trim.mp4');
    execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-ss', '1.25', '-i', source, '-c', 'copy', '-y', trimmed]);
    const video = await probeVideo(trimmed);
    const decoded = (await decodeAll(video, 160, 128)).length;
    assert.ok(decoded < 40, `the cut decodes fewer frames than it stores (${decoded})`);
    assert.equal(video.frameCountIsEstimate, true);
    assert.ok(Math.abs(video.frameCount - decoded) <= 1, `estimate ${video.frameCount} for ${decoded} decoded`);
    const whole = await probeVideo(source);
    assert.deepEqual([whole.frameCount, whole.frameCountIsEstimate], [40, false]);
  });

  it('tells a small cut of a long video from an exact count, and keeps a variable-rate video\'s exact count', async () => {
    // A review: a cut 5 frames into a 400-frame video was within the 2% tolerance, and a
    // variable-rate video's exact count (duration × its highest rate disagreed) became an estimate.
    const dir = makeTempDir();
    const { ffmpeg } = getFfmpegBinaries();
    const long = path.join(dir, 'long.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=10', '-t', '40', '-c:v', 'libx264', '-g', '100', '-bf', '0', '-pix_fmt', 'yuv420p', '-y', long]);
    const cut = path.join(dir, 'cut.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-ss', '0.5', '-i', long, '-c', 'copy', '-y', cut]);
    const video = await probeVideo(cut);
    const decoded = (await decodeAll(video, 128, 96)).length;
    assert.ok(decoded < 400, `the cut decodes fewer frames than it stores (${decoded})`);
    assert.equal(video.frameCountIsEstimate, true, `${video.frameCount} taken as exact for ${decoded} decoded`);
    const variable = path.join(dir, 'variable.mp4');
    // 20 frames at 30 fps, then 20 at 10 fps (without B-frames: with them x264's MP4 has an edit
    // list that skips one, a count off by one that the header cannot tell).
    execFileSync(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=30', '-frames:v', '40', '-vf', "setpts='if(lt(N,20),N/30,20/30+(N-20)/10)/TB'", '-vsync', 'vfr', '-c:v', 'libx264', '-bf', '0', '-pix_fmt', 'yuv420p', '-y', variable]);
    const vfr = await probeVideo(variable);
    assert.deepEqual([vfr.frameCount, vfr.frameCountIsEstimate], [(await decodeAll(vfr, 64, 48)).length, false]);
  });
});
