// node test/bench/cross-behind-bar.js — a first-time user's case for prompted mode: two red
// squares (look-alikes) crossing behind a blue bar, 320x240, 75 frames, through the designed ViT.
// Tracked without prompts, with frame 0's truth as the prompt, and with frame 0's and frame 36's
// (the two squares as slivers either side of the bar, just before they cross), each scored with
// `dino-track eval` against the truth drawn from the video's own geometry (J&F, id switches).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeDavisPng } from '../../dist/export/index.js';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { cli, makeTempDir, models } from '../fixtures.js';

const [width, height, fps, frames] = [320, 240, 25, 75];
const dir = makeTempDir('dino-track-cross-');
const video = path.join(dir, 'cross.mp4');
execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', `color=c=0x808080:s=${width}x${height}:r=${fps}:d=3`,
  '-f', 'lavfi', '-i', `color=c=red:s=40x40:r=${fps}:d=3`, '-f', 'lavfi', '-i', `color=c=red:s=40x40:r=${fps}:d=3`, '-f', 'lavfi', '-i', `color=c=blue:s=40x120:r=${fps}:d=3`,
  '-filter_complex', "[0][1]overlay=x='20+80*t':y=100[a];[a][2]overlay=x='260-80*t':y=100[b];[b][3]overlay=x=140:y=60,format=yuv420p", '-c:v', 'libx264', video]);

/** The truth of frame n: 3 the square going right, 2 the one going left (drawn over it), 1 the bar over both. */
function truthOf(n) {
  const labels = new Uint16Array(width * height);
  const paint = (id, x0, y0, x1, y1) => {
    for (let y = y0; y < y1; y++) labels.fill(id, y * width + Math.max(0, x0), y * width + Math.min(width, x1));
  };
  const t = n / fps;
  paint(3, Math.floor(20 + 80 * t), 100, Math.floor(20 + 80 * t) + 40, 140);
  paint(2, Math.floor(260 - 80 * t), 100, Math.floor(260 - 80 * t) + 40, 140);
  paint(1, 140, 60, 180, 180);
  return encodeDavisPng(labels, width, height);
}
const truth = path.join(dir, 'truth');
mkdirSync(path.join(truth, 'masks'), { recursive: true });
for (let n = 0; n < frames; n++) writeFileSync(path.join(truth, 'masks', `${String(n).padStart(5, '0')}.png`), truthOf(n));
function promptsOn(name, frameList) {
  const folder = path.join(dir, name);
  mkdirSync(folder);
  for (const n of frameList) writeFileSync(path.join(folder, `${String(n).padStart(5, '0')}.png`), truthOf(n));
  return ['--prompts', folder];
}

const runs = { 'no prompt': [], 'frame 0': promptsOn('p0', [0]), 'frames 0 and 36': promptsOn('p36', [0, 36]) };
console.log('two look-alikes crossing behind a bar (designed ViT, 320x240, 75 frames): J&F and id switches against the truth');
for (const [name, extra] of Object.entries(runs)) {
  const out = path.join(dir, name.replace(/ /g, '-'));
  execFileSync(process.execPath, [cli, 'cross.mp4', '-o', out, '--format', 'davis', '--model', models.designed, '--progress', 'none', '-q', ...extra], { cwd: dir });
  const report = execFileSync(process.execPath, [cli, 'eval', '--pred', out, '--gt', truth, '--protocol', 'idf1'], { encoding: 'utf8' });
  console.log(`${name.padEnd(16)} ${report.trim().split('\n').at(-1)}`);
}
