// node test/bench/gpu.js [--models A.onnx,B.onnx|NAME] [--video in.mp4 | --e2e-frames N] [--frames N]
//                        [--batches 1,8,32] [--e2e-batches 1,8] [--cpu A.onnx,B.onnx] [--rounds N]
// The GPU path, where there is one. Says which providers load here; for each GPU provider that
// does and each model: model-only frames/s at 480 lines for each batch, and end-to-end
// frames/s (the real CLI on an 848x480 video, overlay out) for each --e2e-batches. --cpu adds
// the same on the CPU provider at batch 1 (fewer frames), as the baseline on that machine.
// Needs no GPU: without one it says so and exits 0. A measurement that fails (a batch too
// large for the adapter's buffers, say) is printed as such and the rest go on. Each row is
// printed as soon as it is measured, so a run cut short still shows what it had.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openSession } from '../../dist/model/index.js';
import { makeTempDir, makeVideo, models } from '../fixtures.js';
import { measureModelOnly, runTrack } from './measure.js';

const { values: args } = parseArgs({
  options: {
    models: { type: 'string', default: process.env.DINO_TRACK_MODEL ?? 'dino-vits16' },
    video: { type: 'string' },
    frames: { type: 'string', default: '256' },
    'e2e-frames': { type: 'string', default: '128' },
    batches: { type: 'string', default: '1,8,32' },
    'e2e-batches': { type: 'string', default: '1,8' },
    cpu: { type: 'string' },
    rounds: { type: 'string', default: '1' },
  },
});
const list = (text) => text.split(',').filter(Boolean);
const frames = Number(args.frames);
const e2eFrames = Number(args['e2e-frames']);
const width = 848;
const height = 480;

async function findGpuProviders() {
  const available = [];
  for (const provider of ['cuda', 'webgpu']) {
    try {
      const session = await openSession(readFileSync(models.tinyPrepared), { device: provider });
      await session.release();
      available.push(provider);
      console.log(`${provider}: available`);
    } catch (error) {
      console.log(`${provider}: not available (${error.message})`);
    }
  }
  return available;
}

const label = (model) => (model.endsWith('.onnx') ? path.basename(model, '.onnx') : model);
const columns = ['provider', 'model', 'batch', 'model-only f/s', 'end-to-end f/s', 'e2e/model', 'peak RSS'];
const widths = [8, 22, 5, 14, 14, 9, 9];
function printRow(cells) {
  console.log(cells.map((cell, i) => (i < 2 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join('  '));
}

/** One row: model-only at `batch`, then (when asked) the CLI end to end at the same batch. */
async function measureRow({ provider, model, batch, modelFrames, endToEnd, video, folder, round = 0 }) {
  let only;
  try {
    only = await measureModelOnly({ model, device: provider, batch, width, height, shortSide: height, frames: modelFrames });
  } catch (error) {
    printRow([provider, label(model), batch, 'failed', '', '', '']);
    console.log(`          ${error.message.split('\n')[0]}`);
    return;
  }
  if (!endToEnd) {
    printRow([provider, label(model), batch, only.fps.toFixed(1), '', '', '']);
    return;
  }
  try {
    // One file per round: the CLI never replaces an output without --overwrite.
    const out = path.join(folder, `${provider}-${label(model)}-${batch}-${round}.mp4`);
    const run = await runTrack(video, out, ['--model', model, '--device', provider, '--batch', String(batch), '--format', 'overlay']);
    // A capped run (WebGPU) is not compared with the model alone at the batch it did not run.
    const ratio = run.batchUsed ? `(b${run.batchUsed})` : (run.steady / only.fps).toFixed(2);
    printRow([provider, label(model), batch, only.fps.toFixed(1), run.steady.toFixed(1), ratio, `${run.rss.toFixed(0)} MiB`]);
    const capped = run.batchUsed ? `; the CLI ran --batch ${run.batchUsed} (capped)` : '';
    console.log(`          wall ${run.wall.toFixed(1)} s for ${run.frames} frames, first frame out ${run.firstOut?.toFixed(1)} s${capped}; ${run.stages}`);
  } catch (error) {
    printRow([provider, label(model), batch, only.fps.toFixed(1), 'failed', '', '']);
    console.log(`          ${error.message.split('\n')[0]}`);
  }
}

console.log(`${os.cpus().length} CPU cores (${os.cpus()[0]?.model}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`);
const gpuProviders = await findGpuProviders();
if (gpuProviders.length === 0 && !args.cpu) {
  console.log('\nno GPU provider loads on this machine: nothing measured. Run this on a machine with an NVIDIA GPU (CUDA libraries installed, see README) or a WebGPU adapter.');
  process.exit(0);
}

const folder = makeTempDir('dino-track-gpu-bench-');
// Named by its length: test/bench/ffprobe-replay.js keys its answers by file name.
const video = args.video ?? makeVideo(path.join(folder, `in-${e2eFrames}.mp4`), { width, height, fps: 25, seconds: e2eFrames / 25 });
console.log(`\nmodel-only ${frames} frames a row at ${width}x${height}; end to end: ${path.basename(video)}\n`);
printRow(columns);
const e2eBatches = list(args['e2e-batches']).map(Number);
// --rounds N goes through the models N times in turn, so load and clocks hit all alike.
for (let round = 0; round < Number(args.rounds); round++) {
  for (const provider of gpuProviders) {
    for (const batch of list(args.batches).map(Number)) {
      for (const model of list(args.models)) {
        await measureRow({ provider, model, batch, modelFrames: frames, endToEnd: e2eBatches.includes(batch), video, folder, round });
      }
    }
  }
}
// The CPU baseline on the same machine: batch 1 (a CPU gains nothing from batching), an eighth of the model-only frames.
for (const model of list(args.cpu ?? '')) {
  await measureRow({ provider: 'cpu', model, batch: 1, modelFrames: Math.max(8, frames / 8), endToEnd: true, video, folder });
}
