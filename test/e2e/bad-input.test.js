// The bad-input matrix of the README ("When things go wrong"): every row is a case here.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { cli, makeTempDir, makeVideo, models, probeStreams, runCli } from '../fixtures.js';

const env = { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
const work = makeTempDir();
const { ffmpeg } = getFfmpegBinaries();
const ok = makeVideo(path.join(work, 'ok.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });
const model = ['--model', models.tiny, '--short-side', '96', '--progress', 'none'];

/** ffmpeg lavfi → file, for the inputs makeVideo does not cover. */
function make(name, args) {
  const file = path.join(work, name);
  execFileSync(ffmpeg, ['-v', 'error', '-y', ...args, file]);
  return file;
}

/** A failing run: exit code, one line matching `pattern`, no stack trace, nothing written. */
async function expectFailure(args, code, pattern, options = {}) {
  const out = path.join(options.dir ?? work, `out-${Math.random().toString(36).slice(2)}.mp4`);
  const result = await runCli([...args, '-o', out], { env: { ...env, ...options.env } });
  assert.equal(result.code, code, result.stderr);
  const lines = result.stderr.trim().split('\n').filter((l) => !l.includes('no GPU provider'));
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /^\s+at /m);
  assert.equal(existsSync(out), false);
  assert.deepEqual(readdirSync(path.dirname(out)).filter((n) => n.includes('.partial')), []);
}

/** A working run: exit 0, every frame written, at the display size. */
async function expectOverlay(input, { width, height, frames }) {
  const out = path.join(work, `${path.basename(input)}-overlay.mp4`);
  const result = await runCli([input, '-o', out, ...model], { env });
  assert.equal(result.code, 0, result.stderr);
  const [stream] = probeStreams(out);
  assert.deepEqual([stream.width, stream.height, Number(stream.nb_read_frames)], [width, height, frames]);
}

describe('bad input: files', () => {
  it('missing file', () => expectFailure([path.join(work, 'nope.mp4'), ...model], 1, /input .*nope\.mp4 does not exist or cannot be read \(ENOENT\); check the path/));
  it('a directory', () => expectFailure([work, ...model], 1, /is a directory; give a video file \(use `dino-track batch` for folders\)/));
  it('an empty file', () => {
    writeFileSync(path.join(work, 'empty.mp4'), '');
    return expectFailure([path.join(work, 'empty.mp4'), ...model], 1, /input .*empty\.mp4 is empty; give a video file/);
  });
  it('a pipe (process substitution, /dev/stdin): not called empty', () => {
    const fifo = path.join(work, 'fifo.mp4');
    execFileSync('mkfifo', [fifo]);
    return expectFailure([fifo, ...model], 1, /input .*fifo\.mp4 is a pipe or a device, not a file; save the stream to a file first/);
  });
  it('random bytes', () => {
    writeFileSync(path.join(work, 'random.mp4'), Buffer.from(Array.from({ length: 20000 }, (_, i) => (i * 7919) % 251)));
    return expectFailure([path.join(work, 'random.mp4'), ...model], 1, /cannot read .*random\.mp4 as a video \(.*\); check that it is a complete video file/);
  });
  it('a truncated MP4 (first half)', () => {
    const bytes = readFileSync(ok);
    writeFileSync(path.join(work, 'half.mp4'), bytes.subarray(0, bytes.length >> 1));
    return expectFailure([path.join(work, 'half.mp4'), ...model], 1, /cannot read .*half\.mp4 as a video/);
  });
  it('an image instead of a video', () => {
    const png = make('still.png', ['-f', 'lavfi', '-i', 'testsrc2=size=64x48', '-frames:v', '1']);
    return expectFailure([png, ...model], 1, /is an image, not a video; give a video file/);
  });
  it('an audio-only file', () => {
    const audio = make('audio.m4a', ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'aac']);
    return expectFailure([audio, ...model], 1, /has no video stream; give a video file/);
  });
  it('a video stream with zero frames', () => {
    const empty = make('zero.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=64x48:rate=10', '-frames:v', '0', '-c:v', 'libx264']);
    return expectFailure([empty, ...model], 1, /has no (video stream|decodable video frames)/);
  });
  it('an ffprobe that crashes (as the npm-shipped one does on MPEG-TS) is said to have crashed, not the file blamed', () => {
    const crashing = path.join(work, 'crashing-ffprobe.sh');
    writeFileSync(crashing, '#!/bin/sh\nkill -SEGV $$\n');
    chmodSync(crashing, 0o755);
    return expectFailure([ok, ...model], 1, /^dino-track: error: ffprobe \(.*crashing-ffprobe\.sh, from \$FFPROBE_PATH\) crashed \(SIGSEGV\) reading .*ok\.mp4; the file may be fine: install a system ffmpeg\/ffprobe \(apt-get install ffmpeg\) or set FFPROBE_PATH to another ffprobe$/, { env: { FFPROBE_PATH: crashing } });
  });
  it('an MPEG-TS with the npm-shipped ffprobe (which crashes on it): says so and what to install', async (t) => {
    const ts = make('crash.ts', ['-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-f', 'mpegts']);
    const { ffprobe } = getFfmpegBinaries();
    if (!spawnSync(ffprobe, ['-v', 'error', '-show_format', ts]).signal) return t.skip(`${ffprobe} reads MPEG-TS`);
    await expectFailure([ts, ...model], 1, /^dino-track: error: the npm-shipped ffprobe crashed \(SIGSEGV\) reading .*crash\.ts; the file may be fine \(that ffprobe crashes on MPEG-TS files\): install a system ffmpeg\/ffprobe/);
  });
  it('a URL or stdin as input', async () => {
    await expectFailure(['http://example.com/v.mp4', ...model], 2, /Expected a local video file for INPUT but received "http:\/\/example.com\/v.mp4"; save the stream to a file first/);
    await expectFailure(['-', ...model], 2, /Expected a local video file for INPUT but received "-"/);
  });
});

describe('unusual videos that must work', () => {
  it('relative paths with a colon (cam:1.mp4, 2024-01-01T10:30:00.mp4) are files to ffmpeg, not protocols', async () => {
    const folder = makeTempDir();
    for (const name of ['cam:1.mp4', '2024-01-01T10:30:00.mp4']) makeVideo(path.join(folder, name), { width: 128, height: 96, fps: 10, seconds: 0.5 });
    const video = await runCli(['cam:1.mp4', '-o', 'res:1.mp4', ...model], { env, cwd: folder });
    assert.equal(video.code, 0, video.stderr);
    assert.equal(probeStreams(path.join(folder, 'res:1.mp4'))[0].nb_read_frames, '5');
    const folderOut = await runCli(['2024-01-01T10:30:00.mp4', '-o', 'outdir:1', '--format', 'overlay,davis', ...model], { env, cwd: folder });
    assert.equal(folderOut.code, 0, folderOut.stderr);
    assert.equal(probeStreams(path.join(folder, 'outdir:1', 'overlay.mp4'))[0].nb_read_frames, '5');
    assert.equal(readdirSync(path.join(folder, 'outdir:1', 'masks')).length, 5);
  });
  it('output names of 234-255 bytes, whose hidden partial names would be longer than a name may be', async () => {
    // A second trial: `.NAME.PID-RANDOM.partial.mp4` failed with ENAMETOOLONG after all the work.
    const folder = makeTempDir();
    const long = `${'é'.repeat(60)}${'v'.repeat(131)}`; // 251 bytes: two-byte characters, cut whole in the partial's name
    for (const args of [['-o', `${long}.mp4`], ['-o', long, '--format', 'davis,coco', '--save-features', `${long.slice(0, -8)}.safetensors`]]) {
      const run = await runCli([ok, ...args, ...model], { env, cwd: folder });
      assert.equal(run.code, 0, run.stderr);
    }
    assert.equal(probeStreams(path.join(folder, `${long}.mp4`))[0].nb_read_frames, '10');
    assert.equal(readdirSync(path.join(folder, long, 'masks')).length, 10);
    assert.deepEqual(readdirSync(folder).sort(), [long, `${long.slice(0, -8)}.safetensors`, `${long}.mp4`].sort());
  });
  it('odd sizes (853x479): masks at the exact size, the H.264 overlay padded by one pixel that repeats the edge', async () => {
    const odd = make('odd.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=854x480:rate=10', '-t', '1', '-vf', 'scale=853:479', '-c:v', 'libx264', '-pix_fmt', 'yuv444p']);
    await expectOverlay(odd, { width: 854, height: 480, frames: 10 });
    // The pad line repeats the picture's edge, not black (a first-time user's trial saw a black line).
    const rgb = execFileSync(ffmpeg, ['-v', 'error', '-i', path.join(work, 'odd.mp4-overlay.mp4'), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { maxBuffer: 4 << 20 });
    const at = (x, y) => rgb.subarray((y * 854 + x) * 3, (y * 854 + x) * 3 + 3);
    const differs = (pairs) => pairs.reduce((sum, [a, b]) => sum + a.reduce((s, v, k) => s + Math.abs(v - b[k]), 0) / 3, 0) / pairs.length;
    const lastColumn = differs(Array.from({ length: 479 }, (_, y) => [at(853, y), at(852, y)]));
    const lastRow = differs(Array.from({ length: 853 }, (_, x) => [at(x, 479), at(x, 478)]));
    assert.ok(lastColumn < 16 && lastRow < 16, `pad line differs from the edge by ${lastColumn.toFixed(1)} (column) and ${lastRow.toFixed(1)} (row) on average`);
    const out = path.join(work, 'odd-masks');
    assert.equal((await runCli([odd, '-o', out, '--format', 'davis', ...model], { env })).code, 0);
    const png = readFileSync(path.join(out, 'masks', '00000.png'));
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [853, 479]);
  });
  it('a rotated phone video: masks and overlay in display orientation, the right way up', async () => {
    // Stored 128x96 with a white top-left corner, displayed 96x128 (rotation metadata).
    const stored = make('corner.mp4', ['-f', 'lavfi', '-i', 'color=black:size=128x96:rate=10,drawbox=x=0:y=0:w=32:h=24:color=white:t=fill', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    const rotated = path.join(work, 'rotated.mp4');
    try {
      execFileSync(ffmpeg, ['-v', 'error', '-y', '-display_rotation', '90', '-i', stored, '-c', 'copy', rotated], { stdio: 'pipe' }); // ffmpeg 6 and later
    } catch {
      make('rotated.mp4', ['-i', stored, '-c', 'copy', '-metadata:s:v:0', 'rotate=90']); // ffmpeg 4 and 5
    }
    await expectOverlay(rotated, { width: 96, height: 128, frames: 10 });
    const out = path.join(work, 'rotated-masks');
    const features = path.join(work, 'rotated.safetensors');
    const result = await runCli([rotated, '-o', out, '--format', 'davis', '--save-features', features, ...model], { env });
    assert.equal(result.code, 0, result.stderr);
    for (const name of readdirSync(path.join(out, 'masks'))) {
      const png = readFileSync(path.join(out, 'masks', name));
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [96, 128], name);
    }
    const { SafetensorsFile } = await import('../../dist/features/index.js');
    const cache = await SafetensorsFile.open(features);
    assert.deepEqual(cache.getEntry('patch_tokens').shape.slice(0, 3), [10, 8, 6]); // [T, h, w]: portrait patch grid
    await cache.close();
    // Which corner is bright: where ffmpeg's own (autorotating) decode shows it, not where it is stored.
    const brightCorner = (file) => {
      const gray = execFileSync(ffmpeg, ['-v', 'error', '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 20 });
      const mean = (x0, y0) => {
        let sum = 0;
        for (let y = y0; y < y0 + 16; y++) for (let x = x0; x < x0 + 16; x++) sum += gray[y * 96 + x];
        return sum / 256;
      };
      const corners = { 'top-left': mean(2, 2), 'top-right': mean(78, 2), 'bottom-left': mean(2, 110), 'bottom-right': mean(78, 110) };
      return Object.entries(corners).sort((a, b) => b[1] - a[1])[0][0];
    };
    const shown = brightCorner(rotated);
    assert.notEqual(shown, 'top-left', 'the test video is not rotated');
    assert.equal(brightCorner(path.join(work, 'rotated.mp4-overlay.mp4')), shown);
  });
  it('non-square pixels (anamorphic, 2:1): the overlay keeps the pixel shape, so players show it as the input', async () => {
    const wide = make('anamorphic.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=10', '-t', '1', '-vf', 'setsar=2/1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    assert.equal(probeStreams(wide)[0].sample_aspect_ratio, '2:1', 'the test video has 2:1 pixels');
    await expectOverlay(wide, { width: 128, height: 96, frames: 10 });
    assert.equal(probeStreams(path.join(work, 'anamorphic.mp4-overlay.mp4'))[0].sample_aspect_ratio, '2:1');
  });
  it('variable frame rate: every frame kept, none duplicated', () => {
    const vfr = make('vfr.mp4', ['-f', 'lavfi', '-i', "testsrc2=size=128x96:rate=10,setpts='if(lt(N,5),N*0.05,N*0.2)/TB'", '-t', '2', '-vsync', 'vfr', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    return expectOverlay(vfr, { width: 128, height: 96, frames: Number(probeStreams(vfr)[0].nb_read_frames) });
  });
  it('10-bit video', () => expectOverlay(make('10bit.mkv', ['-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=10', '-t', '1', '-c:v', 'ffv1', '-pix_fmt', 'yuv420p10le']), { width: 128, height: 96, frames: 10 }));
  it('video with an alpha channel', () => expectOverlay(make('alpha.mov', ['-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=10', '-t', '1', '-vf', 'format=rgba', '-c:v', 'png']), { width: 128, height: 96, frames: 10 }));
  it('frames only a few patches across (12x12): runs, and says why few or no objects will be found', async () => {
    const tiny = make('tiny.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=12x12:rate=10', '-t', '0.5', '-c:v', 'libx264', '-pix_fmt', 'yuv444p']);
    const result = await runCli([tiny, '-o', path.join(work, 'tiny-out'), '--format', 'ndjson', '--model', models.tiny, '--progress', 'none'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /^dino-track: the model sees only 1x1 patches \(rows x cols; input 16x16, patch 16\): .*; enlarge the frames with --short-side 64 or more, or give a larger video$/m);
    // With the frames enlarged as it says: no notice.
    const enlarged = await runCli([tiny, '-o', path.join(work, 'tiny-enlarged'), '--format', 'ndjson', '--model', models.tiny, '--short-side', '64', '--progress', 'none'], { env });
    assert.equal(enlarged.code, 0, enlarged.stderr);
    assert.doesNotMatch(enlarged.stderr, /sees only/);
  });
  it('a one-frame video: tracked, and --verbose says "1 frame", not "1 frames"', async () => {
    const one = make('one-frame.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=10', '-frames:v', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
    const cache = path.join(work, 'one-frame.safetensors');
    const result = await runCli([one, '-o', path.join(work, 'one-frame-out'), '--format', 'davis', '--verbose', '--save-features', cache, ...model], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /fps, 1 frame\n/);
    assert.match(result.stderr, /: 1 frame, /);
    assert.doesNotMatch(result.stderr, /\b1 frames\b/);
    // The feature cache's line too.
    const cached = await runCli(['--features', cache, '-o', path.join(work, 'one-frame-cached'), '--format', 'davis', '--verbose', '--refine', 'none'], { env });
    assert.equal(cached.code, 0, cached.stderr);
    assert.match(cached.stderr, /one-frame\.safetensors: 1 frame, /);
  });
  it('very small frames (32x32)', () => expectOverlay(make('small.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=10', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv444p']), { width: 32, height: 32, frames: 10 }));
  it('large frames (4K)', () => expectOverlay(make('4k.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=3840x2160:rate=10', '-frames:v', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']), { width: 3840, height: 2160, frames: 3 }));
});

describe('-o in a read-only folder', () => {
  // As root every permission check passes, so root gets a read-only tmpfs (EROFS);
  // anyone else a folder without write permission (EACCES).
  const folder = path.join(makeTempDir(), 'read-only');
  let staged;
  try {
    execFileSync('mkdir', ['-p', folder]);
    if (process.getuid?.() === 0) {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', folder], { stdio: 'ignore' });
      staged = 'mount';
    } else {
      chmodSync(folder, 0o555);
      staged = 'chmod';
    }
  } catch {
    // Root in a container that may not mount: nothing here can be read-only for root.
  }
  after(() => (staged === 'mount' ? execFileSync('umount', [folder]) : staged === 'chmod' && chmodSync(folder, 0o755)));
  const skip = staged ? false : 'root without mount: no folder is read-only for root here';
  const notWritable = new RegExp(`output directory ${folder} is not writable \\((EROFS|EACCES)\\); choose another -o or fix its permissions`);
  it('an overlay video: one line, exit 2, nothing written', { skip }, () => expectFailure([ok, ...model], 2, notWritable, { dir: folder }));
  it('a mask folder: one line, exit 2', { skip }, async () => {
    const result = await runCli([ok, '-o', path.join(folder, 'masks'), '--format', 'davis', ...model], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, notWritable);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.deepEqual(readdirSync(folder), []);
  });
});

describe('bad input: models', () => {
  it('missing model file', () => expectFailure([ok, '--model', path.join(work, 'none.onnx')], 1, /model file .*none\.onnx does not exist; check the path or pick a model from `dino-track models list`/));
  it('corrupt model file', () => {
    writeFileSync(path.join(work, 'corrupt.onnx'), 'garbage');
    return expectFailure([ok, '--model', path.join(work, 'corrupt.onnx')], 1, /corrupt\.onnx is not (a readable ONNX model|an ONNX model)/);
  });
  it('a PyTorch checkpoint or a Hugging Face snapshot folder as --model: what to give instead', async () => {
    writeFileSync(path.join(work, 'dino_deitsmall16_pretrain.pth'), 'PK\u0003\u0004 not onnx');
    await expectFailure([ok, '--model', path.join(work, 'dino_deitsmall16_pretrain.pth')], 1, /dino_deitsmall16_pretrain\.pth is a PyTorch checkpoint, not an ONNX model; export it with models\/export_dino\.py/);
    const snapshot = makeTempDir();
    execFileSync('mkdir', ['-p', path.join(snapshot, 'onnx')]);
    writeFileSync(path.join(snapshot, 'onnx', 'model.onnx'), readFileSync(models.tiny));
    await expectFailure([ok, '--model', snapshot], 1, new RegExp(`is a folder; give the \\.onnx file in it \\(--model ${snapshot.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/onnx/model\\.onnx\\)`));
  });
  it('a model with tokens besides CLS and its patches (registers): refused, not tracked on shifted features', async () => {
    // DINOv2 with registers puts 4 tokens after CLS; every patch's features and attention were
    // read from the token 4 places before its own, and the run exited 0 (a first-time user's
    // trial). Here the prepared outputs keep CLS itself: one token more than the patches.
    const { decodeModel, encodeModel, prepareModel_ } = await import('../../dist/model/index.js');
    const prepared = prepareModel_(decodeModel(readFileSync(models.tiny), models.tiny), models.tiny, 96, 128);
    for (const tensor of prepared.graph.initializer) if (/^dino_track\/(cls_attn|patch_tokens)\/starts$/.test(tensor.name)) tensor.rawData = new Uint8Array(8);
    const file = path.join(work, 'extra-token.onnx');
    writeFileSync(file, encodeModel(prepared));
    await expectFailure([ok, '--model', file, '--progress', 'none'], 1, /the model gives 1 token besides CLS and its 8x6 patches \(registers, as DINOv2 with registers has\), which dino-track cannot place on the frame; use a DINO ViT/);
  });
  for (const device of ['cuda', 'webgpu']) {
    it(`--device ${device}: one line and exit 2 where it is unavailable, a normal run where it is there`, async () => {
      // Whether this machine has it is what the library says; the CLI must agree and say it in one line.
      const { openSession } = await import('../../dist/model/index.js');
      const available = await openSession(readFileSync(models.tinyPrepared), { device }).then((session) => session.release().then(() => true), () => false);
      if (!available) return expectFailure([ok, ...model, '--device', device], 2, new RegExp(`^dino-track: error: --device ${device} is not available here \\(.+\\); use --device auto or cpu$`));
      const out = path.join(work, `device-${device}.mp4`);
      const result = await runCli([ok, '-o', out, '--model', models.tinyPrepared, '--device', device, '--progress', 'none'], { env });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(probeStreams(out)[0].nb_read_frames, '10');
    });
  }
});

describe('bad input: runtime', () => {
  it('--short-side 4320 (inside its range) out of memory: one line of ours naming --short-side, none of onnxruntime\'s', async () => {
    // A second trial: onnxruntime's own log lines (FusedMatMul, bfc_arena.cc) came first, then a
    // line naming neither the option nor the size. 5760x4320 here: one 6-head attention product is 211 GiB.
    await expectFailure([ok, '--model', models.designed, '--short-side', '4320', '--progress', 'none'], 1,
      /^dino-track: error: the model ran out of memory at 5760x4320 \(WxH\) input \(one buffer of \d+\.\d GiB\): attention grows with the square of the patch count; give a smaller --short-side \(default 480\), or a model prepared for a smaller size$/);
    // With several frames a call, --batch is the first way out (a review: it said --short-side, at the default 480).
    await expectFailure([ok, '--model', models.designed, '--short-side', '4320', '--batch', '2', '--progress', 'none'], 1,
      /^dino-track: error: the model ran out of memory at 5760x4320 \(WxH\) input with 2 frames a call \(one buffer of \d+\.\d GiB\): give a smaller --batch \(default 1\), or a smaller --short-side$/);
  });
  it('a model input past 8192 px a side (a tall video at a large --short-side): refused before any model work, naming a --short-side that fits', async () => {
    // A review: --short-side bounds the short side only; a 64x4096 video at 4320 would be prepared 276480 px tall.
    const tall = make('tall.mp4', ['-f', 'lavfi', '-i', 'testsrc2=size=64x1024:rate=5', '-t', '1', '-pix_fmt', 'yuv420p']);
    await expectFailure([tall, '--model', models.tiny, '--short-side', '1024', '--progress', 'none'], 2,
      /^dino-track: error: --short-side 1024 gives this video a 1024x16384 \(WxH\) model input, past 8192 px a side; give --short-side 512 or less$/);
  });

  it('SIGTERM mid-run: exit 143, nothing at -o, no temporary files', async () => {
    const long = makeVideo(path.join(work, 'long-term.mp4'), { width: 320, height: 240, fps: 25, seconds: 40 });
    const out = path.join(work, 'term.mp4');
    const child = spawn(process.execPath, [cli, long, '-o', out, ...model.slice(0, 4), '--progress', 'json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise((resolve) => child.stderr.on('data', (d) => String(d).includes('"frame"') && resolve()));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 143);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(work).filter((n) => n.includes('.partial')), []);
  });
  it('ffmpeg dying mid-stream: one line naming it, nothing left behind', async () => {
    const long = makeVideo(path.join(work, 'long-kill.mp4'), { width: 320, height: 240, fps: 25, seconds: 20 });
    const dir = makeTempDir();
    const killer = path.join(dir, 'ffmpeg-dies.sh');
    // The decoding ffmpeg (not the encoder, which reads pipe:0) is killed half a second in.
    writeFileSync(killer, `#!/bin/sh\ncase "$*" in *pipe:0*) exec "${ffmpeg}" "$@";; esac\n"${ffmpeg}" "$@" &\npid=$!\nsleep 0.5\nkill -9 $pid\nwait $pid\n`);
    chmodSync(killer, 0o755);
    // The wrapper shell reports the kill as "Killed" or only as its exit status 137 (128 + SIGKILL), by timing.
    await expectFailure([long, ...model], 1, /ffmpeg failed while decoding .*long-kill\.mp4: (Killed|killed by SIGKILL|exit code 137)/, { dir, env: { FFMPEG_PATH: killer } });
  });
  describe('disk full on the output', () => {
    const mount = path.join(makeTempDir(), 'small');
    let mounted = false;
    try {
      execFileSync('mkdir', ['-p', mount]);
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
      mounted = true;
    } catch {
      // Not root (or no mount in this container): the case cannot be staged here.
    }
    after(() => mounted && execFileSync('umount', [mount]));
    const skip = mounted ? false : 'needs a small tmpfs (run as root)';
    it('overlay video: one line saying the disk is full, nothing left', { skip }, async () => {
      const long = makeVideo(path.join(work, 'long-full.mp4'), { width: 320, height: 240, fps: 25, seconds: 8 });
      await expectFailure([long, ...model], 1, /No space left on device/, { dir: mount });
    });
    it('mask files: one line saying the disk is full, nothing left', { skip }, async () => {
      const long = path.join(work, 'long-full.mp4');
      const out = path.join(mount, 'masks');
      const result = await runCli([long, '-o', out, '--format', 'davis', ...model], { env });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /dino-track: error: no space left on the device; free some space or choose another -o \(ENOSPC/);
      assert.deepEqual(readdirSync(mount), []);
    });
  });
});

