// npm run bench — where the time goes: model-only vs end-to-end throughput, stage shares, peak RSS.
//
//   npm run bench                                  # the registry's default model (downloaded once)
//   npm run bench -- --model dino-vits16-random.onnx --frames 30 --long-frames 1000
//
// Model-only: the same prepared session `track` would open, fed pre-made tensors (batch 1).
// End-to-end: the real CLI on a generated video, once with an overlay video and once with
// DAVIS+COCO masks. Throughput is measured in steady state from the CLI's JSON progress
// (model loading and preparation are reported separately as start-up).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeTempDir, makeVideo } from '../fixtures.js';
import { measureModelOnly, runTrack } from './measure.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: process.env.DINO_TRACK_MODEL },
    frames: { type: 'string', default: '30' },
    'short-frames': { type: 'string', default: '100' },
    'long-frames': { type: 'string', default: '1000' },
    threads: { type: 'string', default: '0' },
    device: { type: 'string', default: 'cpu' },
    batch: { type: 'string', default: '1' },
  },
});
const model = args.model ?? 'dino-vits16';
const fps = 25;
const folder = makeTempDir('dino-track-bench-');

const sizes = [
  { name: '480-line', width: 848, height: 480, shortSide: 480, frames: Number(args.frames) },
  { name: '224-line', width: 398, height: 224, shortSide: 224, frames: Number(args['short-frames']) },
];
const common = ['--model', model, '--device', args.device, '--threads', args.threads, '--batch', args.batch];
const rows = [];
console.log(`dino-track speed benchmark — model ${model}, device ${args.device}, threads ${args.threads === '0' ? 'all' : args.threads}, batch ${args.batch}\n`);
for (const size of sizes) {
  const video = makeVideo(path.join(folder, `${size.name}.mp4`), { width: size.width, height: size.height, fps, seconds: size.frames / fps });
  const measure = () => measureModelOnly({ model, device: args.device, threads: Number(args.threads), batch: Number(args.batch), width: size.width, height: size.height, shortSide: size.shortSide, frames: size.frames });
  // This machine's speed drifts between runs: model-only is measured before and after the end-to-end runs, and averaged.
  const before = await measure();
  const only = { ...before };
  console.log(`${size.name} (${size.width}x${size.height}, model input ${only.input}, ${only.provider}): model-only ${before.fps.toFixed(2)} frames/s (before)`);
  for (const [label, extra] of [['overlay', ['--format', 'overlay']], ['davis+coco', ['--format', 'davis,coco']]]) {
    const out = path.join(folder, `${size.name}-${label.replace('+', '-')}${label === 'overlay' ? '.mp4' : ''}`);
    const run = await runTrack(video, out, [...common, ...extra, '--short-side', String(size.shortSide)]);
    rows.push({ size: size.name, label, frames: run.frames, only: only.fps, ...run });
    console.log(`  ${label.padEnd(11)} end-to-end ${run.steady.toFixed(2)} frames/s (${(run.steady / only.fps).toFixed(2)}x model-only), wall ${run.wall.toFixed(1)} s for ${run.frames} frames, start-up ${run.startup.toFixed(1)} s, peak RSS ${run.rss.toFixed(0)} MiB`);
    console.log(`              ${run.stages}`);
  }
  const after = await measure();
  only.fps = (before.fps + after.fps) / 2;
  console.log(`  model-only ${after.fps.toFixed(2)} frames/s (after); mean ${only.fps.toFixed(2)}`);
  for (const r of rows) if (r.size === size.name) r.only = only.fps;
}

// Memory must not grow with the video's length: the same run at 10x the frames.
const long = sizes[1];
const longFrames = Number(args['long-frames']);
const longVideo = makeVideo(path.join(folder, 'long.mp4'), { width: long.width, height: long.height, fps, seconds: longFrames / fps });
const longRun = await runTrack(longVideo, path.join(folder, 'long.mp4.out.mp4'), [...common, '--format', 'overlay', '--short-side', String(long.shortSide)]);
const shortRun = rows.find((r) => r.size === long.name && r.label === 'overlay');

console.log('\nsummary');
console.log(['size'.padEnd(9), 'output'.padEnd(11), 'model-only', 'end-to-end', 'ratio', 'peak RSS'].join('  '));
for (const r of rows) {
  console.log([r.size.padEnd(9), r.label.padEnd(11), `${r.only.toFixed(2)} f/s`.padStart(10), `${r.steady.toFixed(2)} f/s`.padStart(10), r.steady / r.only >= 0 ? (r.steady / r.only).toFixed(2).padStart(5) : '', `${r.rss.toFixed(0)} MiB`.padStart(8)].join('  '));
}
console.log(`peak RSS ${long.name} overlay: ${shortRun.frames} frames ${shortRun.rss.toFixed(1)} MiB, ${longRun.frames} frames ${longRun.rss.toFixed(1)} MiB (${((longRun.rss / shortRun.rss - 1) * 100).toFixed(1)}%)`);
