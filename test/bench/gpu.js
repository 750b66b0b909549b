// node test/bench/gpu.js [--model NAME|FILE] — the GPU path, where there is one.
// Says which providers load here; for each that does: model-only and end-to-end frames/s
// at 480 lines for batch 1, 8 and 32. Needs no GPU: without one it says so and exits 0.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openSession } from '../../dist/model/index.js';
import { makeTempDir, makeVideo, models } from '../fixtures.js';
import { measureModelOnly, runTrack } from './measure.js';

const { values: args } = parseArgs({ options: { model: { type: 'string', default: process.env.DINO_TRACK_MODEL ?? 'dino-vits16' }, frames: { type: 'string', default: '256' } } });
const frames = Number(args.frames);

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
if (available.length === 0) {
  console.log('\nno GPU provider loads on this machine: nothing measured. Run this on a machine with an NVIDIA GPU (CUDA libraries installed, see README) or a WebGPU adapter.');
  process.exit(0);
}

const folder = makeTempDir('dino-track-gpu-bench-');
const video = makeVideo(path.join(folder, 'in.mp4'), { width: 848, height: 480, fps: 25, seconds: frames / 25 });
console.log(`\nmodel ${args.model}, 848x480 video, ${frames} frames\n`);
console.log(['provider', 'batch', 'model-only f/s', 'end-to-end f/s', 'ratio', 'peak RSS'].join('  '));
for (const provider of available) {
  for (const batch of [1, 8, 32]) {
    const only = await measureModelOnly({ model: args.model, device: provider, batch, width: 848, height: 480, shortSide: 480, frames });
    const run = await runTrack(video, path.join(folder, `${provider}-${batch}.mp4`), ['--model', args.model, '--device', provider, '--batch', String(batch), '--format', 'overlay']);
    console.log([provider.padEnd(8), String(batch).padStart(5), only.fps.toFixed(1).padStart(14), run.steady.toFixed(1).padStart(14), (run.steady / only.fps).toFixed(2).padStart(5), `${run.rss.toFixed(0)} MiB`.padStart(8)].join('  '));
    console.log(`          ${run.stages}`);
  }
}
