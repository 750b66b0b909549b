// node test/bench/refine-speed.js — frames/s of the refinement stage alone (refineFrame on
// tracked frames of the rendered test scenes, tracking not counted), at the patch grids
// of 480 and 224 lines over the same 848×480 frames; then end to end through the CLI.
// Frames are tracked with the designed ViT (fixtures/models/designed-p16.onnx) at each
// short side; FEATURES=cache tracks from the JS-made feature caches instead.
// COMPARE_DIST=other/dist: that build's refineFrame is timed on the same frames too,
// interleaved with this one's pass by pass (e.g. main's dist before a change), and the
// label pixels on which the two differ are counted.
import path from 'node:path';
import { runTrack } from '../../dist/pipeline.js';
import { normalizeTrackOptions } from '../../dist/cli/track-options.js';
import { refineFrame } from '../../dist/refine/index.js';
import { makeTempDir, root } from '../fixtures.js';
import { scenes, writeRenderedScene } from './rendered-scenes.js';

const repeats = Number(process.env.REPEATS ?? 3);
const designed = path.join(root, 'fixtures/models/designed-p16.onnx');
const useCaches = process.env.FEATURES === 'cache';
const lineList = [480, 224];
const builds = [['this build', refineFrame]];
if (process.env.COMPARE_DIST) builds.push([process.env.COMPARE_DIST, (await import(path.resolve(process.env.COMPARE_DIST, 'refine/index.js'))).refineFrame]);
const timings = new Map(lineList.flatMap((l) => builds.map(([name]) => [`${l} ${name}`, { lines: l, name, seconds: 0, frames: 0, differing: 0 }])));
for (const [name, scene] of Object.entries(scenes)) {
  if (scene.set !== 'test') continue;
  const folder = makeTempDir(`dino-track-refine-speed-${name}-`);
  const { video, caches } = await writeRenderedScene(name, folder, useCaches ? lineList : []);
  for (const lines of lineList) {
    const frames = [];
    const sink = { write: async (result, image) => frames.push({ result, image }), finish: async () => undefined, abort: async () => undefined };
    const source = useCaches ? { features: caches[lines] } : { model: designed, shortSide: String(lines), device: 'cpu' };
    await runTrack({ ...normalizeTrackOptions(video, { output: '-', format: 'ndjson', ...source, refine: 'guided' }), sink });
    for (const [name, refine] of builds) {
      // Warm-up, and the pixels on which this build's labels differ from the first's.
      for (const { result, image } of frames) {
        const labels = refine(result, image).labels;
        if (name !== builds[0][0]) timings.get(`${lines} ${name}`).differing += countDiffering(labels, refineFrame(result, image).labels);
      }
    }
    for (let k = 0; k < repeats; k++) {
      for (const [name, refine] of builds) {
        const started = performance.now();
        for (const { result, image } of frames) refine(result, image);
        const timing = timings.get(`${lines} ${name}`);
        timing.seconds += (performance.now() - started) / 1000;
        timing.frames += frames.length;
      }
    }
  }
}
for (const { lines, name, seconds, frames, differing } of timings.values()) {
  const compared = name === builds[0][0] ? '' : `; labels differ from this build's on ${differing} pixels of ${frames / repeats} frames`;
  console.log(`848x480 frames, ${lines}-line patch grid, ${name}: refinement alone ${(frames / seconds).toFixed(1)} frames/s (${((1000 * seconds) / frames).toFixed(1)} ms/frame, ${frames} frames)${compared}`);
}

function countDiffering(a, b) {
  let count = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) count++;
  return count;
}

// End to end: the real CLI with a model, refinement off and on, runs interleaved (off, on,
// off, on …, ROUNDS rounds, default 3) on the same video because a shared machine's speed
// drifts; steady-state frames/s from the CLI's JSON progress. MODEL_480 / MODEL_224: ViT
// .onnx files (prepared ones keep their own size; default the designed ViT), e.g.
// `models/export_dino.py --random --size 480x848`; E2E=0 skips this part.
const ends = process.env.E2E === '0' ? [] : [['480', process.env.MODEL_480 ?? designed, 848, 480], ['224', process.env.MODEL_224 ?? designed, 398, 224]];
if (ends.length) {
  const { getFfmpegBinaries } = await import('../../dist/video/index.js');
  const { execFileSync } = await import('node:child_process');
  const { runTrack: runCli } = await import('./measure.js');
  const folder = makeTempDir('dino-track-refine-e2e-');
  const { video } = await writeRenderedScene('test-contact', folder, []);
  for (const [lines, model, width, height] of ends) {
    const input = path.join(folder, `video-${lines}.mp4`);
    const frames = Number(process.env.FRAMES ?? 30);
    execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-y', '-i', video, '-vf', `scale=${width}:${height}`, '-frames:v', String(frames), '-c:v', 'libx264', '-crf', '18', input]);
    const results = { guided: [], none: [] };
    const walls = { guided: [], none: [] };
    const cpus = { guided: [], none: [] };
    for (let round = 0; round < Number(process.env.ROUNDS ?? 3); round++) {
      for (const refine of ['none', 'guided']) {
        const run = await runCli(input, path.join(folder, `out-${lines}-${refine}-${round}`), ['--model', model, '--device', 'cpu', '--format', 'davis', '--refine', refine]);
        results[refine].push(run.steady);
        walls[refine].push(run.frames / run.wall);
        cpus[refine].push(run.cpu ?? NaN);
        console.log(`${lines} lines (${width}x${height}), refine ${refine}: ${run.steady.toFixed(2)} frames/s steady, ${(run.frames / run.wall).toFixed(2)} frames/s start to exit, CPU ${run.cpu?.toFixed(2)} s; ${run.stages}`);
      }
    }
    const mean = (list) => list.reduce((s, v) => s + v, 0) / list.length;
    // Steady state reads the CLI's progress lines (every 0.5 s): coarse on a short fast run, where start to exit is the steadier figure.
    console.log(`${lines} lines: end to end ${mean(results.guided).toFixed(2)} frames/s refined, ${mean(results.none).toFixed(2)} unrefined (${(mean(results.guided) / mean(results.none)).toFixed(2)}x) steady; start to exit ${mean(walls.guided).toFixed(2)} against ${mean(walls.none).toFixed(2)} (${(mean(walls.guided) / mean(walls.none)).toFixed(2)}x); CPU (all threads and ffmpeg, start to exit) ${mean(cpus.guided).toFixed(2)} s refined against ${mean(cpus.none).toFixed(2)} s`);
  }
}
