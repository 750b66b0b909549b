// Stray pieces in refined masks: pieces of one id (4-connected) with no pixel whose four
// neighbours all hold it — specks and 1-px lines that refinement's vote left along other
// objects' edges (refine/thin-pieces.ts gives them to the label around them).
// The tuning scenes of bench:pixels at 480 and 240 lines, the designed ViT, `--refine guided`:
// pieces a frame, in the truth and in the masks of this build; then the video of
// test/e2e/refine.test.js (testsrc2, 320x240, 50 frames) with the random tiny model at 240 lines.
// COMPARE_DIST=<another checkout's root, built> runs that build's CLI too (e.g. one before the change).
// SET=tune|test|all (default tune).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { dropThinPieces_ } from '../../dist/refine/thin-pieces.js';
import { countThinPieces } from '../compare.js';
import { cli, makeTempDir, makeVideo, models, root } from '../fixtures.js';
import { scenes, writeRenderedScene } from './rendered-scenes.js';

const set = process.env.SET ?? 'tune';
const model = path.join(root, 'fixtures/models/designed-p16.onnx');
const clis = [['this build', cli], ...(process.env.COMPARE_DIST ? [['compared', path.join(process.env.COMPARE_DIST, 'bin', 'dino-track.js')]] : [])];

/** Milliseconds a frame that dropThinPieces_ takes over a folder's masks, the whole frame as its region (median of 3 rounds). */
function timeFolder(folder) {
  const masks = readdirSync(folder).filter((n) => n.endsWith('.png')).map((name) => decode(readFileSync(path.join(folder, name))));
  const rounds = [0, 1, 2].map(() => {
    const started = performance.now();
    for (const { data, width, height } of masks) dropThinPieces_(Uint16Array.from(data), width, height, [0, 0, width, height]);
    return (performance.now() - started) / masks.length;
  });
  return rounds.sort((a, b) => a - b)[1];
}

/** Thin pieces (all, and those detached from their id's shape) over a folder of mask PNGs, and how many frames. */
function countFolder(folder) {
  const files = readdirSync(folder).filter((n) => n.endsWith('.png'));
  const counts = files.map((name) => countThinPieces(decode(readFileSync(path.join(folder, name)))));
  return { pieces: counts.reduce((sum, c) => sum + c.thin, 0), detached: counts.reduce((sum, c) => sum + c.detached, 0), frames: files.length };
}

console.log('scene           lines  masks        thin pieces  a frame  detached  pass ms a frame');
for (const [name, scene] of Object.entries(scenes)) {
  if (set !== 'all' && scene.set !== set) continue;
  const folder = makeTempDir(`dino-track-thin-${name}-`);
  const { video, truth } = await writeRenderedScene(name, folder, []);
  const truthCount = countFolder(truth);
  console.log(`${name.padEnd(16)}    -   truth        ${String(truthCount.pieces).padStart(11)}  ${(truthCount.pieces / truthCount.frames).toFixed(2).padStart(7)}  ${String(truthCount.detached).padStart(8)}`);
  for (const lines of [480, 240]) {
    for (const [label, bin] of clis) {
      const out = path.join(folder, `${label.replace(/\W/g, '-')}-${lines}`);
      execFileSync(process.execPath, [bin, video, '-o', out, '--format', 'davis', '--model', model, '--short-side', String(lines), '--refine', 'guided', '--progress', 'none', '-q']);
      const { pieces, detached, frames } = countFolder(path.join(out, 'masks'));
      // The pass's cost on these masks (with the copy of each frame into labels): what refinement adds a frame at this video's size.
      const ms = timeFolder(path.join(out, 'masks'));
      console.log(`${name.padEnd(16)}  ${String(lines).padStart(3)}   ${label.padEnd(11)}  ${String(pieces).padStart(11)}  ${(pieces / frames).toFixed(2).padStart(7)}  ${String(detached).padStart(8)}  ${ms.toFixed(2).padStart(15)}`);
    }
  }
}

// The refine e2e test's video: random weights give ragged attention, and many more pieces.
const folder = makeTempDir('dino-track-thin-testsrc2-');
const video = makeVideo(path.join(folder, 'in.mp4'), { width: 320, height: 240, fps: 25, seconds: 2 });
for (const [label, bin] of clis) {
  const out = path.join(folder, label.replace(/\W/g, '-'));
  execFileSync(process.execPath, [bin, video, '-o', out, '--format', 'davis', '--model', models.tiny, '--short-side', '240', '--refine', 'guided', '--progress', 'none', '-q']);
  const { pieces, detached, frames } = countFolder(path.join(out, 'masks'));
  console.log(`${'testsrc2 (tiny)'.padEnd(16)}  240   ${label.padEnd(11)}  ${String(pieces).padStart(11)}  ${(pieces / frames).toFixed(2).padStart(7)}  ${String(detached).padStart(8)}`);
}
