import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { makeReadOnlyDir, makeTempDir, root } from '../fixtures.js';

const ffmpegPath = pathToFileURL(path.join(root, 'dist/video/ffmpeg-path.js')).href;

/** A stand-in ffmpeg that prints `banner` for -version and logs each call. */
function makeFakeFfmpeg(banner) {
  const dir = makeTempDir();
  const log = path.join(dir, 'calls.log');
  const file = path.join(dir, 'ffmpeg');
  writeFileSync(file, `#!/bin/sh\necho "$@" >> '${log}'\necho '${banner}'\n`);
  chmodSync(file, 0o755);
  return { file, log };
}

/** Runs askFfmpegVersion then getPassthroughArgs in a fresh process (the answer is cached per process). */
function askThenGet(ffmpeg) {
  const script = `const m = await import(${JSON.stringify(ffmpegPath)}); await m.askFfmpegVersion(); await m.askFfmpegVersion(); console.log(JSON.stringify(m.getPassthroughArgs()));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, FFMPEG_PATH: ffmpeg }, encoding: 'utf8' }));
}

describe('ffmpeg version, asked in the background', () => {
  it('picks -fps_mode for ffmpeg 5 and later, -vsync before, asking ffmpeg once', () => {
    for (const [banner, option] of [['ffmpeg version 5.1.6-0+deb12u1 Copyright', '-fps_mode'], ['ffmpeg version 4.1.4-static', '-vsync'], ['ffmpeg version N-47683-g0e8eb07980', '-vsync']]) {
      const fake = makeFakeFfmpeg(banner);
      assert.deepEqual(askThenGet(fake.file), [option, 'passthrough'], banner);
      // Asked once, in the background: getPassthroughArgs did not ask again synchronously.
      assert.deepEqual(readFileSync(fake.log, 'utf8').trim().split('\n'), ['-hide_banner -version'], banner);
    }
  });

  it('an ffmpeg that cannot print its version is treated as old, and the ask still settles', () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'ffmpeg');
    writeFileSync(file, '#!/bin/sh\nexit 3\n');
    chmodSync(file, 0o755);
    assert.deepEqual(askThenGet(file), ['-vsync', 'passthrough']);
  });
});

/**
 * A file this user may neither run nor chmod, as a root-owned npm ffprobe (mode 744) is for any
 * other user: for root, one on a read-only mount (chmod fails with EROFS); for anyone else,
 * root's /etc/passwd (chmod fails with EPERM).
 */
function makeUnrunnableFile() {
  if (process.getuid() !== 0) {
    const { uid, mode } = statSync('/etc/passwd');
    const skip = (uid === process.getuid() || (mode & 0o111) !== 0) && "/etc/passwd is this user's or executable here";
    return { file: '/etc/passwd', skip, restore: () => {} };
  }
  const { dir, skip, restore } = makeReadOnlyDir((folder) => writeFileSync(path.join(folder, 'ffprobe'), '#!/bin/sh\n', { mode: 0o644 }));
  return { file: path.join(dir, 'ffprobe'), skip, restore };
}

describe('ffmpeg and ffprobe shipped in npm', () => {
  const unrunnable = makeUnrunnableFile();
  after(unrunnable.restore);

  it('one this user cannot run is said to be there, with chmod and FFPROBE_PATH as the ways out (it was "not found")', { skip: unrunnable.skip }, async () => {
    const { makeRunnable } = await import(ffmpegPath);
    const { file } = unrunnable;
    assert.throws(() => makeRunnable(file, 'ffprobe'), {
      name: 'ExternalError',
      message: `ffprobe ${file} exists but this user cannot run it; run chmod a+x ${file} as its owner (on a disk mounted noexec, install elsewhere), or set FFPROBE_PATH to an ffprobe this user can run`,
    });
  });
});
