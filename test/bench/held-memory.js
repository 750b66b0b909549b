// node test/bench/held-memory.js [WIDTHxHEIGHT@FPS:SECONDS …] — peak RSS of a `track` run, for the
// frames the writer holds back so that a new object is painted into the frames before its birth
// (README, Tracking and bench:track: up to 1 s, at most 192 MiB). Each clip is a red square moving
// over grey (ffmpeg lavfi), tracked with the designed ViT; `/usr/bin/time -f %M` reads the peak.
// COMPARE_DIST=<another checkout's root, built> runs that build's CLI too, alternating with this one.
// SHORT_SIDE (default 224) and FORMAT (default davis) set the run's --short-side and --format.
// Default clips: 848x480@25:8 and 1920x1080@60:2.
import { execFileSync, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { cli, makeTempDir, models } from '../fixtures.js';

const clips = process.argv.slice(2).length ? process.argv.slice(2) : ['848x480@25:8', '1920x1080@60:2'];
const builds = [['this build', cli], ...(process.env.COMPARE_DIST ? [['compared', path.join(process.env.COMPARE_DIST, 'bin', 'dino-track.js')]] : [])];
const rounds = 2;
const work = makeTempDir('dino-track-held-memory-');
const env = { ...process.env, DINO_TRACK_CACHE: path.join(work, 'cache') };

/** A red square crossing a grey clip of this size, rate and length. */
function makeClip(spec) {
  const [, width, height, fps, seconds] = /^(\d+)x(\d+)@(\d+):(\d+(?:\.\d+)?)$/.exec(spec) ?? [];
  if (!width) throw new Error(`expected WIDTHxHEIGHT@FPS:SECONDS, got ${spec}`);
  const file = path.join(work, `${spec.replace(/[@:]/g, '_')}.mp4`);
  const side = Math.round(Number(height) / 5);
  const filter = `color=c=gray:s=${width}x${height}:d=${seconds}:r=${fps}[bg];color=c=red:s=${side}x${side}:d=${seconds}:r=${fps}[sq];[bg][sq]overlay=x='${side}+t*${Math.round(Number(width) / 10)}':y=${side * 2}`;
  execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', filter, '-c:v', 'libx264', '-pix_fmt', 'yuv420p', file]);
  return file;
}

/** Peak resident memory in MB of one run of `bin` on `clip`. */
function measure(bin, clip) {
  const out = path.join(work, 'out');
  rmSync(out, { recursive: true, force: true });
  const args = [process.execPath, bin, clip, '-o', out, '--format', process.env.FORMAT ?? 'davis', '--model', models.designed, '--short-side', process.env.SHORT_SIDE ?? '224', '--progress', 'none'];
  const run = spawnSync('/usr/bin/time', ['-f', 'peak-kb %M', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  const peak = /peak-kb (\d+)/.exec(run.stderr);
  if (run.status !== 0 || !peak) throw new Error(`${bin} failed on ${clip}: ${run.stderr}`);
  return Number(peak[1]) / 1024;
}

console.log(`peak RSS of track runs (--short-side ${process.env.SHORT_SIDE ?? '224'}, --format ${process.env.FORMAT ?? 'davis'}, designed ViT), ${rounds} rounds alternating builds, MB`);
for (const spec of clips) {
  const clip = makeClip(spec);
  const peaks = new Map(builds.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) for (const [name, bin] of builds) peaks.get(name).push(measure(bin, clip));
  console.log(`${spec.padEnd(16)} ${builds.map(([name]) => `${name}: ${peaks.get(name).map((p) => p.toFixed(0)).join(', ')}`).join('   ')}`);
}
rmSync(work, { recursive: true, force: true });
