// node test/bench/prompted-refine.js — what pixel refinement keeps of prompted objects, the
// figures README's "Pixel refinement" and "Prompted mode" give (the cases two first-time users
// found): two touching 40-px red squares under a prompt, H.264 at crf 23 and crf 10 (the share
// of their 3,200-px union kept, worst frame and mean), and a discovered yellow square beside
// which a green one enters (its pixels on frames 19-29, of 1,600). The designed ViT, through
// the CLI, refined and not. COMPARE_DIST=<another checkout's root> runs that build's CLI too.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { encodeDavisPng } from '../../dist/export/index.js';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { cli, makeTempDir, models } from '../fixtures.js';

const work = makeTempDir('dino-track-prompted-refine-');
const { ffmpeg } = getFfmpegBinaries();
const clis = [['this build', cli], ...(process.env.COMPARE_DIST ? [['compared', path.join(process.env.COMPARE_DIST, 'bin', 'dino-track.js')]] : [])];

function writePrompt(folder, frame, fill) {
  mkdirSync(folder, { recursive: true });
  const labels = new Uint16Array(320 * 240);
  fill(labels);
  writeFileSync(path.join(folder, `${String(frame).padStart(5, '0')}.png`), encodeDavisPng(labels, 320, 240));
  return folder;
}

function track(bin, video, prompts, refine, extra = []) {
  const out = path.join(work, `out-${Math.random().toString(36).slice(2)}`);
  execFileSync(process.execPath, [bin, video, '--prompts', prompts, '--refine', refine, '--model', models.designed, '-o', out, '--format', 'davis', '--progress', 'none', ...extra], { stdio: 'ignore' });
  const masks = readdirSync(path.join(out, 'masks')).sort().map((name) => decode(readFileSync(path.join(out, 'masks', name))).data);
  rmSync(out, { recursive: true, force: true });
  return masks;
}

const count = (mask, keep) => mask.reduce((sum, v) => sum + (keep(v) ? 1 : 0), 0);

console.log('touching look-alikes: share of the two squares\' 3,200-px union kept (worst frame, mean over 50 frames)');
const squares = writePrompt(path.join(work, 'squares'), 0, (labels) => {
  for (let y = 90; y < 130; y++) labels.fill(1, y * 320 + 40, y * 320 + 80).fill(2, y * 320 + 80, y * 320 + 120);
});
for (const crf of [23, 10]) {
  const video = path.join(work, `squares-${crf}.mp4`);
  execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x808080:s=320x240:r=25:d=2', '-f', 'lavfi', '-i', 'color=c=red:s=40x40:r=25:d=2', '-f', 'lavfi', '-i', 'color=c=red:s=40x40:r=25:d=2',
    '-filter_complex', "[0][1]overlay=x='40+100*t':y=90[a];[a][2]overlay=x='80+100*t':y=90,format=yuv420p", '-c:v', 'libx264', '-crf', String(crf), video]);
  for (const [name, bin] of clis) {
    for (const refine of ['guided', 'none']) {
      const shares = track(bin, video, squares, refine).map((mask) => count(mask, (v) => v > 0) / 3200);
      console.log(`  crf ${crf}, ${name}, --refine ${refine}: worst ${(100 * Math.min(...shares)).toFixed(1)}%, mean ${(100 * shares.reduce((a, b) => a + b, 0) / shares.length).toFixed(1)}%`);
    }
  }
}

console.log('a discovered yellow square (1,600 px) beside which a green one enters: its pixels on frames 19-29');
const video = path.join(work, 'three-squares.mp4');
execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=gray:s=320x240:d=2:r=15', '-f', 'lavfi', '-i', 'color=c=red:s=50x50:d=2:r=15', '-f', 'lavfi', '-i', 'color=c=green:s=40x40:d=2:r=15', '-f', 'lavfi', '-i', 'color=c=yellow:s=40x40:d=2:r=15',
  '-filter_complex', "[0][1]overlay=x='20+t*50':y=40[a];[a][2]overlay=x='if(lt(t,1),400,320-(t-1)*120)':y=150[b];[b][3]overlay=x=150:y='180-t*30'", '-c:v', 'libx264', '-pix_fmt', 'yuv420p', video]);
const red = writePrompt(path.join(work, 'red'), 5, (labels) => {
  const x = Math.round(20 + (5 / 15) * 50);
  for (let y = 40; y < 90; y++) labels.fill(7, y * 320 + x, y * 320 + x + 50);
});
for (const [name, bin] of clis) {
  for (const refine of ['guided', 'none']) {
    const masks = track(bin, video, red, refine, ['--discover']);
    const id = masks[10][(Math.round(180 - 20) + 20) * 320 + 170];
    console.log(`  ${name}, --refine ${refine}: id ${id}: ${masks.slice(19).map((mask) => count(mask, (v) => v === id)).join(' ')}`);
  }
}
rmSync(work, { recursive: true, force: true });
