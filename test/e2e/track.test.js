import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { encodeDavisPng } from '../../dist/export/index.js';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, decodeErrors, getClosedUrl, makeTempDir, makeVideo, models, probeStreams, readRgbFrames, runCli, startCli } from '../fixtures.js';

const dir = makeTempDir();
const cache = makeTempDir('dino-track-cache-');
const env = { DINO_TRACK_CACHE: cache };
let silent;
let withAudio;

before(() => {
  silent = makeVideo(path.join(dir, 'silent.mp4'), { width: 128, height: 96, fps: 10, seconds: 2 });
  withAudio = makeVideo(path.join(dir, 'audio.mp4'), { width: 160, height: 120, fps: 12, seconds: 2, audio: true });
});

describe('dino-track INPUT -o OUT.mp4 (real ffmpeg, real onnxruntime)', () => {
  it('writes an overlay with the input frame count, rate and size, that decodes cleanly and differs where masks are drawn', async () => {
    const out = path.join(dir, 'out.mp4');
    // The tiny model's weights are random, so its attention holds no objects the tracker would
    // take; an annotated rectangle gives the overlay masks to draw.
    const mask = path.join(dir, 'overlay-init.png');
    const labels = new Uint16Array(128 * 96);
    for (let y = 20; y < 70; y++) labels.fill(1, y * 128 + 30, y * 128 + 90);
    writeFileSync(mask, encodeDavisPng(labels, 128, 96));
    const { code, stderr } = await runCli([silent, '-o', out, '--init-mask', mask, '--model', models.tiny, '--short-side', '96', '--device', 'cpu'], { env });
    assert.equal(code, 0, stderr);
    const [input] = probeStreams(silent);
    const [output] = probeStreams(out);
    assert.equal(output.codec_name, 'h264');
    assert.equal(output.pix_fmt, 'yuv420p');
    assert.equal(output.width, input.width);
    assert.equal(output.height, input.height);
    assert.equal(output.r_frame_rate, input.r_frame_rate);
    assert.equal(output.nb_read_frames, input.nb_read_frames);
    assert.equal(decodeErrors(out), '');
    const before = readRgbFrames(silent);
    const after = readRgbFrames(out);
    assert.equal(after.length, before.length);
    let changed = 0;
    for (let i = 0; i < before.length; i++) if (Math.abs(before[i] - after[i]) > 40) changed++;
    const share = changed / before.length;
    // Compression alone moves few values this far; the masks' fill and outlines move many.
    assert.ok(share > 0.05, `only ${(share * 100).toFixed(2)}% of values changed`);
    assert.ok(share < 0.9, `${(share * 100).toFixed(2)}% changed: the whole frame was painted`);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('partial')), []);
  });

  it('keeps the audio track', async () => {
    const out = path.join(dir, 'with-audio.mp4');
    const { code, stderr } = await runCli([withAudio, '-o', out, '--model', models.tiny, '--short-side', '96'], { env });
    assert.equal(code, 0, stderr);
    const streams = probeStreams(out);
    const audio = streams.find((s) => s.codec_type === 'audio');
    assert.ok(audio, 'no audio stream in the overlay');
    assert.equal(audio.codec_name, 'aac');
    assert.equal(streams.find((s) => s.codec_type === 'video').nb_read_frames, '24');
  });

  it('tags the overlay\'s video stream with the input\'s language, und where it has none (not Matroska\'s default eng)', async () => {
    // A second trial: every overlay's video stream said language=eng, from the Matroska pipe's track.
    const { ffmpeg } = getFfmpegBinaries();
    const japanese = path.join(dir, 'language-jpn.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', silent, '-c', 'copy', '-metadata:s:v:0', 'language=jpn', japanese]);
    for (const [input, language] of [[silent, 'und'], [japanese, 'jpn']]) {
      const out = `${input}.language.mp4`;
      const { code, stderr } = await runCli([input, '-o', out, '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env });
      assert.equal(code, 0, stderr);
      assert.equal(probeStreams(input)[0].tags.language, language, 'the input as made');
      assert.equal(probeStreams(out)[0].tags.language, language);
    }
  });

  it('keeps the picture\'s distance from the sound: video 0.5 s after the audio, audio 0.5 s after the video, a file starting at 10 s', async () => {
    const { ffmpeg } = getFfmpegBinaries();
    const plain = makeVideo(path.join(dir, 'sync-plain.mp4'), { fps: 10, seconds: 1 });
    const tone = ['-f', 'lavfi', '-i', 'sine=sample_rate=16000:duration=1.5'];
    const cases = [
      ['video-late.mp4', ['-itsoffset', '0.5', '-i', plain, ...tone], 0.5],
      ['audio-late.mp4', ['-i', plain, '-itsoffset', '0.5', ...tone], -0.5],
      ['at-10s.mp4', ['-i', plain, ...tone, '-output_ts_offset', '10'], 0],
    ];
    const starts = (file) => Object.fromEntries(probeStreams(file).map((s) => [s.codec_type, Number(s.start_time)]));
    for (const [name, args, delay] of cases) {
      const input = path.join(dir, name);
      execFileSync(ffmpeg, ['-v', 'error', '-y', ...args, '-map', '0:v', '-map', '1:a', '-c:v', 'copy', '-c:a', 'aac', input]);
      const given = starts(input);
      assert.ok(Math.abs(given.video - given.audio - delay) < 0.1, `${name}: input video at ${given.video}, audio at ${given.audio}`);
      const out = `${input}.out.mp4`;
      const { code, stderr } = await runCli([input, '-o', out, '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env });
      assert.equal(code, 0, stderr);
      const made = starts(out);
      // The overlay's frame times are rounded to its nominal rate (README): half a frame at 10 fps.
      assert.ok(Math.abs(made.video - made.audio - (given.video - given.audio)) <= 0.051, `${name}: overlay video at ${made.video}, audio at ${made.audio}; input ${given.video}, ${given.audio}`);
      assert.ok(Math.min(made.video, made.audio) < 0.05, `${name}: the overlay starts at ${Math.min(made.video, made.audio)} s`);
      assert.equal(probeStreams(out).find((s) => s.codec_type === 'video').nb_read_frames, '10', name);
    }
  });

  it('keeps the whole audio of an MPEG-TS whose times start again partway (two recordings joined)', async (t) => {
    const { ffmpeg, ffprobe } = getFfmpegBinaries();
    // Each part's times start at 1.4 s (MPEG-TS's default): the joined file's jump back at the join.
    const part = (hz) => {
      const file = path.join(dir, `part-${hz}.ts`);
      execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=s=160x120:r=15:d=1.5', '-f', 'lavfi', '-i', `sine=f=${hz}:d=1.5`,
        '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-f', 'mpegts', file]);
      return readFileSync(file);
    };
    const input = path.join(dir, 'joined.ts');
    writeFileSync(input, Buffer.concat([part(440), part(880)]));
    const probe = spawnSync(ffprobe, ['-v', 'error', '-show_format', input]);
    if (probe.signal) return t.skip(`${ffprobe} crashes on MPEG-TS (${probe.signal}); run with a system ffprobe`);
    const out = `${input}.out.mp4`;
    const { code, stderr } = await runCli([input, '-o', out, '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env });
    assert.equal(code, 0, stderr);
    const durations = Object.fromEntries(probeStreams(out).map((s) => [s.codec_type, Number(s.duration)]));
    // With -copyts the audio after the join was squeezed into 1-tick steps: 1.53 s of 3.07.
    assert.ok(Math.abs(durations.audio - durations.video) < 0.1, `overlay video ${durations.video} s, audio ${durations.audio} s`);
  });

  it('keeps every audio stream: one copied (MP3), one re-encoded (FLAC), the first alone marked default', async () => {
    const { ffmpeg } = getFfmpegBinaries();
    const input = path.join(dir, 'two-audio.mkv');
    const tone = (hz) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=16000:duration=1`];
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', makeVideo(path.join(dir, 'two-audio-video.mp4'), { fps: 10, seconds: 1 }), ...tone(440), ...tone(880),
      '-map', '0:v', '-map', '1:a', '-map', '2:a', '-c:v', 'copy', '-c:a:0', 'libmp3lame', '-c:a:1', 'flac', '-disposition:a:0', 'default', '-disposition:a:1', 'default', input]);
    const audioDefaults = (file) => probeStreams(file).filter((s) => s.codec_type === 'audio').map((s) => s.disposition.default);
    assert.deepEqual(audioDefaults(input), [1, 1], 'the input marks both audio streams default');
    const out = `${input}.out.mp4`;
    const { code, stderr } = await runCli([input, '-o', out, '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env });
    assert.equal(code, 0, stderr);
    assert.deepEqual(probeStreams(out).map((s) => s.codec_name), ['h264', 'mp3', 'aac']);
    // Players such as QuickTime play every default audio stream at once: only the first is.
    assert.deepEqual(audioDefaults(out), [1, 0]);
  });

  it('leaves out, with one notice, an audio stream whose codec ffmpeg does not know, and keeps the rest', async () => {
    const { ffmpeg } = getFfmpegBinaries();
    const made = path.join(dir, 'aac-mp3.mkv');
    const tone = (hz) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:sample_rate=16000:duration=1`];
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-i', makeVideo(path.join(dir, 'unknown-audio-video.mp4'), { fps: 10, seconds: 1 }), ...tone(440), ...tone(880),
      '-map', '0:v', '-map', '1:a', '-map', '2:a', '-c:v', 'copy', '-c:a:0', 'aac', '-c:a:1', 'libmp3lame', made]);
    // A codec id ffmpeg has never heard of: the MP3 track's A_MPEG/L3 made A_ZZZZ/L3, same length.
    const bytes = readFileSync(made);
    const at = bytes.indexOf('A_MPEG/L3');
    assert.ok(at > 0 && bytes.indexOf('A_MPEG/L3', at + 1) < 0, 'one MP3 codec id in the mkv');
    bytes.write('A_ZZZZ/L3', at);
    const input = path.join(dir, 'unknown-audio.mkv');
    writeFileSync(input, bytes);
    const out = `${input}.out.mp4`;
    const { code, stderr } = await runCli([input, '-o', out, '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env });
    assert.equal(code, 0, stderr);
    assert.deepEqual(probeStreams(out).map((s) => s.codec_name), ['h264', 'aac']);
    assert.equal(stderr.split('\n').filter((line) => line.includes('leaves out audio stream #2')).length, 1, stderr);
  });

  it('re-encodes audio an MP4 cannot hold as it is (Opus in WebM, FLAC in Matroska) to AAC', async () => {
    // Both once failed at "Error initializing output stream": Opus on ffmpeg 4.1, FLAC on 5.1.
    const inputs = [
      makeVideo(path.join(dir, 'opus.webm'), { fps: 10, seconds: 1, audio: true, videoCodec: 'libvpx-vp9', audioCodec: 'libopus' }),
      makeVideo(path.join(dir, 'flac.mkv'), { fps: 10, seconds: 1, audio: true, audioCodec: 'flac' }),
    ];
    for (const input of inputs) {
      const out = `${input}.out.mp4`;
      const { code, stderr } = await runCli([input, '-o', out, '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env });
      assert.equal(code, 0, stderr);
      const streams = probeStreams(out);
      assert.deepEqual(streams.map((s) => s.codec_name), ['h264', 'aac'], input);
      assert.equal(decodeErrors(out), '', input);
    }
  });

  it('uses a model that already has the two outputs, at its own size', async () => {
    const out = path.join(dir, 'prepared.mp4');
    const { code, stderr } = await runCli([silent, '-o', out, '--model', models.tinyPrepared, '--verbose'], { env });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /input 128x96 \(WxH; 8x6 patches\)/);
    assert.equal(probeStreams(out)[0].nb_read_frames, '20');
  });

  it('scales frames to a prepared model of a fixed other size: masks as with the model prepared for that size', async () => {
    // 200x150 frames into the fixture prepared for 96x128: the same masks, byte for byte, as
    // the official-style model prepared by dino-track for 96x128 (same weights).
    const video = makeVideo(path.join(dir, 'other-size.mp4'), { width: 200, height: 150, fps: 10, seconds: 1 });
    const fixed = await runCli([video, '-o', path.join(dir, 'fixed'), '--format', 'overlay,davis', '--model', models.tinyPrepared, '--verbose', '--progress', 'none'], { env });
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stderr, /input 128x96 \(WxH; 8x6 patches\)/);
    const [stream] = probeStreams(path.join(dir, 'fixed', 'overlay.mp4'));
    assert.deepEqual([stream.width, stream.height, stream.nb_read_frames], [200, 150, '10']);
    const prepared = await runCli([video, '-o', path.join(dir, 'prepared-here'), '--format', 'davis', '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env });
    assert.equal(prepared.code, 0, prepared.stderr);
    const names = readdirSync(path.join(dir, 'fixed', 'masks'));
    assert.equal(names.length, 10);
    for (const name of names) {
      const png = readFileSync(path.join(dir, 'fixed', 'masks', name));
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [200, 150]);
      assert.ok(png.equals(readFileSync(path.join(dir, 'prepared-here', 'masks', name))), name);
    }
    // Another aspect ratio (12:5 into 4:3) is stretched to the model's size and back.
    const wide = makeVideo(path.join(dir, 'wide-fixed.mp4'), { width: 240, height: 100, fps: 10, seconds: 1 });
    const stretched = await runCli([wide, '-o', path.join(dir, 'wide-fixed-out.mp4'), '--model', models.tinyPrepared, '--verbose', '--progress', 'none'], { env });
    assert.equal(stretched.code, 0, stretched.stderr);
    assert.match(stretched.stderr, /input 128x96 \(WxH; 8x6 patches\)/);
    // …and says so, once: a model prepared for another shape is most often a slip (prepare's --size is height first).
    assert.match(stretched.stderr, /^dino-track: .*tiny-p16-prepared-96x128\.onnx was prepared for 128x96 \(WxH\) input, another shape than the video's 240x100: frames are stretched to fit; prepare the original model for the video's shape \(models prepare ORIGINAL\.onnx --size HEIGHTxWIDTH -o OUT\.onnx; this file, already prepared, is refused there\), give the original model .*, or for a model from models\/export_dino\.py run it again with --size HEIGHTxWIDTH$/m);
    assert.doesNotMatch(fixed.stderr, /stretched/, '4:3 into 4:3 is not stretched');
    assert.doesNotMatch(fixed.stderr, /--short-side/, 'no --short-side given, none said');
    // A --short-side the prepared model's size overrides is said, not silently dropped (a first-time user's trial).
    const sized = await runCli([video, '-o', path.join(dir, 'fixed-sized'), '--format', 'davis', '--model', models.tinyPrepared, '--short-side', '64', '--verbose', '--progress', 'none'], { env });
    assert.equal(sized.code, 0, sized.stderr);
    assert.match(sized.stderr, /input 128x96 \(WxH; 8x6 patches\)/);
    assert.match(sized.stderr, /^dino-track: --short-side 64 does nothing with .*tiny-p16-prepared-96x128\.onnx, prepared for 128x96 \(WxH\) input: frames are scaled to that; give the original model to track at another size/m);
    // 100 rounds to the 96 lines this model was prepared for: it does what it asks, nothing to say.
    const same = await runCli([video, '-o', path.join(dir, 'fixed-same'), '--format', 'davis', '--model', models.tinyPrepared, '--short-side', '100', '--progress', 'none'], { env });
    assert.equal(same.code, 0, same.stderr);
    assert.doesNotMatch(same.stderr, /--short-side/);
    const [wideStream] = probeStreams(path.join(dir, 'wide-fixed-out.mp4'));
    assert.deepEqual([wideStream.width, wideStream.height, wideStream.nb_read_frames], [240, 100, '10']);
  });

  it('prints JSON progress lines with --progress json', async () => {
    const out = path.join(dir, 'progress.mp4');
    const { code, stderr } = await runCli([silent, '-o', out, '--model', models.tiny, '--short-side', '96', '--progress', 'json'], { env });
    assert.equal(code, 0, stderr);
    const lines = stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    assert.ok(lines.length >= 1);
    assert.deepEqual(lines.at(-1).frame, 20);
    assert.deepEqual(lines.at(-1).total, 20);
    assert.equal(typeof lines.at(-1).fps, 'number');
    // The first report has no rate yet (it once said 1000 frames/s after one frame).
    assert.equal(lines[0].fps, null);
    assert.equal(lines[0].eta_s, null);
  });

  it('without --model and without network: one line naming the URL, exit 1, nothing at -o or in the cache', async () => {
    const emptyCache = makeTempDir('dino-track-cache-');
    const out = path.join(dir, 'offline.mp4');
    const offline = await getClosedUrl();
    const { code, stderr } = await runCli([silent, '-o', out], { env: { DINO_TRACK_CACHE: emptyCache, DINO_TRACK_MODEL_BASE_URL: offline } });
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.ok(stderr.includes(`cannot download ${offline}/Xenova/dino-vits16/resolve/main/onnx/model.onnx (ECONNREFUSED)`), stderr);
    assert.match(stderr, /--model/);
    assert.equal(existsSync(out), false);
    assert.deepEqual(readdirSync(emptyCache), []);
  });

  /** A run on a long 320x240 video, once it has reported its first frame; its folder holds only the video. */
  async function startLongRun(seconds) {
    const work = makeTempDir();
    const long = makeVideo(path.join(work, 'long.mp4'), { width: 320, height: 240, fps: 25, seconds });
    const run = startRun(long, path.join(work, 'out.mp4'), ['--short-side', '240']);
    await run.waitFor('"frame"');
    return { work, run };
  }

  it('SIGINT mid-run: exit 130 with one line saying so, nothing at -o, no temporary files left', async () => {
    const { work, run } = await startLongRun(40);
    run.child.kill('SIGINT');
    const { code } = await run.closed;
    assert.equal(code, 130, run.stderr());
    assert.deepEqual(run.stderr().split('\n').filter((l) => l.startsWith('dino-track:') && !l.includes('no GPU provider')), ['dino-track: interrupted by SIGINT; partial output removed']);
    assert.deepEqual(readdirSync(work), ['long.mp4']);
  });

  it('SIGHUP (a closed terminal) mid-run: exit 129, nothing at -o, as for Ctrl-C', async () => {
    // A review: Node's default for SIGHUP exited at once and left the partial output.
    const { work, run } = await startLongRun(20);
    run.child.kill('SIGHUP');
    const { code } = await run.closed;
    assert.equal(code, 129, run.stderr());
    assert.match(run.stderr(), /dino-track: interrupted by SIGHUP; partial output removed/);
    assert.deepEqual(readdirSync(work), ['long.mp4']);
  });

  it('a second signal of another kind while the first is handled does not abort the process inside onnxruntime', async () => {
    // A third review: a closed terminal's SIGHUP (or Ctrl-C) reaches a batch's children as a
    // group, then the batch sends each SIGTERM; the second handling skipped the wait for the
    // inference and the process died of SIGABRT.
    const { work, run } = await startLongRun(20);
    run.child.kill('SIGHUP');
    // Sent together, the two may be taken in either order on a loaded machine (the suite once saw
    // 143); a moment apart, SIGTERM comes while SIGHUP's handling waits for the inference.
    await sleep(50);
    run.child.kill('SIGTERM');
    const { code, signal } = await run.closed;
    assert.equal(signal, null, run.stderr());
    assert.equal(code, 129, run.stderr());
    assert.deepEqual(readdirSync(work), ['long.mp4']);
  });

  it('a second Ctrl-C kills at once, without waiting for the running inference; nothing left', async () => {
    // Inference calls long enough (2 frames at 960x720 on one thread) that the first
    // Ctrl-C is still waiting for one when the second arrives. The process may be between
    // two calls when the first comes (then it exits 130 at once), so up to three tries.
    const work = makeTempDir();
    const long = makeVideo(path.join(work, 'long.mp4'), { width: 320, height: 240, fps: 25, seconds: 40 });
    const outcomes = [];
    for (let attempt = 0; attempt < 3 && !outcomes.includes('SIGINT'); attempt++) {
      const run = startRun(long, path.join(work, 'out.mp4'), ['--short-side', '720', '--batch', '2', '--threads', '1']);
      await run.waitFor('"frame"');
      run.child.kill('SIGINT');
      await run.waitFor('partial output removed');
      run.child.kill('SIGINT');
      const { code, signal } = await run.closed;
      outcomes.push(signal ?? code);
      assert.deepEqual(readdirSync(work), ['long.mp4'], run.stderr());
    }
    assert.ok(outcomes.includes('SIGINT'), `never killed by the second SIGINT: ${outcomes.join(', ')}`);
  });
});

describe('a closed stderr', () => {
  it('costs the progress, not the run: `2>&1 | head -1` writes the whole output, exit 0', async () => {
    // A first-time user: the EPIPE on stderr was unhandled, and the run died with exit 1 and nothing written.
    const work = makeTempDir();
    const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 3 });
    const out = path.join(work, 'out');
    const child = spawn(process.execPath, [cli, video, '-o', out, '--format', 'davis', '--model', models.tiny, '--progress', 'json'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    child.stderr.once('data', () => child.stderr.destroy()); // the reader goes after the first line
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0);
    assert.equal(readdirSync(path.join(out, 'masks')).length, 30);
  });
});

/** A CLI run with JSON progress whose stderr can be awaited. */
function startRun(input, out, extra) {
  return startCli([input, '-o', out, '--model', models.tiny, '--progress', 'json', ...extra], { env });
}

describe('automatic preparation at the video size', () => {
  it('prepares an official-style model once for 854x480, reuses it next time, at the 30x53 grid', async () => {
    const work = makeTempDir();
    const cacheDir = makeTempDir('dino-track-cache-');
    const video = makeVideo(path.join(work, 'wide.mp4'), { width: 854, height: 480, fps: 5, seconds: 1 });
    const run = (name) => runCli([video, '-o', path.join(work, name), '--model', models.tiny, '--verbose', '--device', 'cpu'], { env: { DINO_TRACK_CACHE: cacheDir } });
    const first = await run('a.mp4');
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /input 848x480 \(WxH; 53x30 patches\)/);
    assert.match(first.stderr, /prepared model written to .*-480x848\.onnx/);
    const second = await run('b.mp4');
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /prepared model reused from .*-480x848\.onnx/);
    assert.deepEqual(readdirSync(path.join(cacheDir, 'prepared')).length, 1);
    const [stream] = probeStreams(path.join(work, 'b.mp4'));
    assert.equal(stream.width, 854);
    assert.equal(stream.height, 480);
  });
});

describe('feature cache', () => {
  it('round-trips: tracking from the saved cache gives the same masks as tracking from the video', async () => {
    const work = makeTempDir();
    const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 2 });
    const cacheFile = path.join(work, 'features.safetensors');
    // Without pixel refinement, as tracking from the cache alone is: the same tracker on the same features.
    const fromVideo = await runCli([video, '-o', path.join(work, 'a'), '--format', 'davis', '--model', models.tiny, '--short-side', '96', '--save-features', cacheFile, '--refine', 'none'], { env });
    assert.equal(fromVideo.code, 0, fromVideo.stderr);
    const fromCache = await runCli(['track', '--features', cacheFile, '-o', path.join(work, 'b'), '--format', 'davis']);
    assert.equal(fromCache.code, 0, fromCache.stderr);
    const a = readdirSync(path.join(work, 'a', 'masks'));
    assert.equal(a.length, 20);
    assert.ok(a.some((name) => decode(readFileSync(path.join(work, 'a', 'masks', name))).data.some((v) => v > 0)), 'some frame has an object (else the comparison says little)');
    assert.deepEqual(readdirSync(path.join(work, 'b', 'masks')), a);
    for (const name of a) {
      assert.ok(readFileSync(path.join(work, 'a', 'masks', name)).equals(readFileSync(path.join(work, 'b', 'masks', name))), name);
    }
    // The cache follows DESIGN: [T, heads, h, w] and [T, h, w, D] with the metadata.
    const { SafetensorsFile } = await import('../../dist/features/index.js');
    const file = await SafetensorsFile.open(cacheFile);
    assert.deepEqual(file.getEntry('cls_attn').shape, [20, 3, 6, 8]);
    assert.deepEqual(file.getEntry('patch_tokens').shape, [20, 6, 8, 48]);
    assert.equal(file.metadata.format, 'dino-track-features/1');
    assert.equal(file.metadata.frame_width, '128');
    assert.equal(file.metadata.frame_height, '96');
    assert.equal(file.metadata.patch_size, '16');
    assert.equal(file.metadata.fps, '10');
    await file.close();
  });

  it('--stride 3 tracks every third frame and the last, and still writes every frame', async () => {
    const work = makeTempDir();
    const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 1.9 });
    const result = await runCli([video, '-o', path.join(work, 'out'), '--format', 'overlay,davis', '--model', models.tiny, '--short-side', '96', '--stride', '3', '--verbose', '--progress', 'none'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /tracked 7 key frames; the other 12 were interpolated \(--stride 3\)/);
    assert.equal(readdirSync(path.join(work, 'out', 'masks')).length, 19);
    assert.equal(probeStreams(path.join(work, 'out', 'overlay.mp4'))[0].nb_read_frames, '19');
  });

  it('writes the overlay from a cache plus its video', async () => {
    const work = makeTempDir();
    const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });
    const cacheFile = path.join(work, 'f.safetensors');
    assert.equal((await runCli([video, '-o', path.join(work, 'a.mp4'), '--model', models.tiny, '--short-side', '96', '--save-features', cacheFile, '--features-dtype', 'f16'], { env })).code, 0);
    const result = await runCli([video, '--features', cacheFile, '-o', path.join(work, 'b'), '--format', 'overlay,davis']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(probeStreams(path.join(work, 'b', 'overlay.mp4'))[0].nb_read_frames, '10');
    assert.equal(readdirSync(path.join(work, 'b', 'masks')).length, 10);
  });

  it('refuses a file that is not a feature cache, with one line', async () => {
    const work = makeTempDir();
    const { code, stderr } = await runCli(['track', '--features', models.tiny, '-o', path.join(work, 'x'), '--format', 'davis']);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /is not a valid safetensors file/);
    assert.deepEqual(readdirSync(work), []);
  });
});
