// npm run bench — fp32 against int8 (the downloaded layout, and `models quantize`): model-only
// and end-to-end frames/s at 480 and 224 lines, measured side by side in one run, plus how
// far int8's attention and masks are from fp32's. Stage shares and peak RSS per run.
//
//   npm run bench                                  # dino-vits16's fp32 and int8 files (downloaded once)
//   /tmp/venv14/bin/python fixtures/generate_hf_layouts.py --vit-s /tmp/vits   # or a random ViT-S/16
//   npm run bench -- --dir /tmp/vits --frames 24 --short-frames 60 --rounds 7
//
// Model-only: the prepared session `track` would open, fed one smooth synthetic frame (batch
// 1); the three models take turns call by call (--rounds each) and the medians are reported,
// so load from other processes hits all alike. End-to-end: the real CLI on a generated
// video, writing DAVIS masks, the three models in turn (--e2e-rounds); steady-state frames/s
// from the CLI's JSON progress, wall-clock from start to exit. The masks of the int8 runs are
// compared with fp32's frame by frame (IoU of the foreground, mean over frames).
// Each end-to-end run is paired with a model-only measurement of the same model taken just
// before it (--adjacent-calls calls of the prepared session, after a warm-up), so that the
// ratio end-to-end / model-only compares two figures taken under the same load from the other
// jobs on a shared machine; with --e2e-rounds 2 or more the rounds alternate the models'
// order and the table gives each round's ratio (median and range for more than three).
// "first out" is the time from process start to the first frame written (the first
// progress line).
// --long-frames N adds the memory check: fp32 at 224 lines, peak RSS for the short video
// against N frames (memory must not grow with the video's length).
// --only 480-line|224-line runs one size (e.g. --only 224-line --short-frames 500).
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decode } from 'fast-png';
import { decodeModel, encodeModel, loadModel, quantizeModel_, resolveModelFile } from '../../dist/model/index.js';
import { getJaccard } from '../../dist/eval/index.js';
import { cosine } from '../compare.js';
import { makeTempDir, makeVideo } from '../fixtures.js';
import { makeSmoothInput, measureModelOnly as measureModelOnlyFps, median, runTrack, timeInterleaved } from './measure.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'dino-vits16' },
    dir: { type: 'string' },
    frames: { type: 'string', default: '24' },
    'short-frames': { type: 'string', default: '60' },
    rounds: { type: 'string', default: '7' },
    'e2e-rounds': { type: 'string', default: '1' },
    'adjacent-calls': { type: 'string', default: '6' },
    only: { type: 'string' },
    'long-frames': { type: 'string', default: '0' },
    threads: { type: 'string', default: '0' },
  },
});
const fps = 25;
const folder = makeTempDir('dino-track-bench-');

// fp32 and the downloaded int8 layout: a generator's folder, or the registry's files.
const fp32 = args.dir ? path.join(args.dir, 'model.onnx') : await resolveModelFile({ model: args.model, precision: 'fp32' });
const downloaded = args.dir ? path.join(args.dir, 'model_quantized.onnx') : await resolveModelFile({ model: args.model, precision: 'int8' });
const ours = path.join(folder, 'model-int8-ours.onnx');
const quantizeStarted = performance.now();
const graph = decodeModel(readFileSync(fp32), fp32);
quantizeModel_(graph, fp32);
writeFileSync(ours, encodeModel(graph));
const quantizeSeconds = (performance.now() - quantizeStarted) / 1000;
const variants = { fp32, 'int8 download': downloaded, 'int8 quantize': ours };

const sizes = [
  { name: '480-line', width: 848, height: 480, shortSide: 480, frames: Number(args.frames) },
  { name: '224-line', width: 398, height: 224, shortSide: 224, frames: Number(args['short-frames']) },
];
const threads = Number(args.threads);
const chosenSizes = args.only ? sizes.filter((s) => s.name === args.only) : sizes;
console.log(`dino-track speed benchmark — ${args.dir ?? args.model}, cpu, threads ${threads === 0 ? 'all' : threads}; models quantize took ${quantizeSeconds.toFixed(1)} s`);

/** Model-only: the three prepared sessions take turns call by call; medians of the call times. */
async function measureModelOnly(size) {
  const loaded = {};
  for (const [name, file] of Object.entries(variants)) loaded[name] = await loadModel({ model: file, device: 'cpu', threads, shortSide: size.shortSide }, size.width, size.height);
  const { inputWidth: width, inputHeight: height } = loaded.fp32;
  const sessions = Object.fromEntries(Object.entries(loaded).map(([name, model]) => [name, model.session]));
  const { outputs, times, cpuTimes } = await timeInterleaved(sessions, makeSmoothInput(width, height), Number(args.rounds), height, width);
  for (const model of Object.values(loaded)) await model.session.release();
  return Object.fromEntries(Object.keys(loaded).map((name) => [name, {
    fps: 1000 / median(times[name]),
    speedup: median(times[name].map((t, i) => times.fp32[i] / t)),
    cpuSpeedup: median(cpuTimes.fp32) / median(cpuTimes[name]),
    attentionCosine: cosine(outputs[name].clsAttention, outputs.fp32.clsAttention),
    tokenCosine: cosine(outputs[name].patchTokens, outputs.fp32.patchTokens),
    input: `${width}x${height}`,
  }]));
}

/** Mean over frames of the foreground IoU between two DAVIS mask folders. */
function getMeanMaskIoU(folderA, folderB) {
  const files = readdirSync(path.join(folderA, 'masks')).sort();
  let sum = 0;
  for (const file of files) {
    const a = decode(readFileSync(path.join(folderA, 'masks', file))).data;
    const b = decode(readFileSync(path.join(folderB, 'masks', file))).data;
    sum += getJaccard(a.map((v) => (v > 0 ? 1 : 0)), b.map((v) => (v > 0 ? 1 : 0)));
  }
  return sum / files.length;
}

/** Model-only frames/s of one model just before its end-to-end run: `calls` calls after a warm-up. */
async function measureAdjacent(file, size) {
  return measureModelOnlyFps({ model: file, device: 'cpu', threads, width: size.width, height: size.height, shortSide: size.shortSide, frames: Number(args['adjacent-calls']) });
}

/** Up to three rounds: every value, in order of size; more: the median and the range. */
const spread = (values) => (values.length <= 3
  ? [...values].sort((a, b) => a - b).map((v) => v.toFixed(2)).join(', ')
  : `${median(values).toFixed(2)} (${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)})`);

const rows = [];
for (const size of chosenSizes) {
  const only = await measureModelOnly(size);
  const video = makeVideo(path.join(folder, `${size.name}.mp4`), { width: size.width, height: size.height, fps, seconds: size.frames / fps });
  const runs = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  const outs = {};
  for (let round = 0; round < Number(args['e2e-rounds']); round++) {
    const order = round % 2 ? Object.entries(variants).reverse() : Object.entries(variants);
    for (const [name, file] of order) {
      outs[name] = path.join(folder, `${size.name}-${name.replace(' ', '-')}-${round}`);
      const { fps: adjacent, cpuPerFrame } = await measureAdjacent(file, size);
      const run = await runTrack(video, outs[name], ['--model', file, '--device', 'cpu', '--threads', args.threads, '--format', 'davis', '--short-side', String(size.shortSide)]);
      // The model's share of the run's CPU: on an otherwise idle machine, where the run is bound by
      // its cores, this is what end-to-end / model-only can reach; unlike wall time, load from other jobs barely moves it.
      const cpuShare = run.cpu === undefined ? NaN : (cpuPerFrame * run.frames) / run.cpu;
      runs[name].push({ ...run, adjacent, cpuShare });
      console.log(`  round ${round} ${size.name} ${name}: model-only ${adjacent.toFixed(2)} f/s (${(cpuPerFrame * 1000).toFixed(0)} ms CPU/frame), end-to-end ${run.steady.toFixed(2)} f/s (${(run.steady / adjacent).toFixed(2)}), frames/wall ${(run.frames / run.wall).toFixed(2)} f/s (${(run.frames / run.wall / adjacent).toFixed(2)}), first out ${run.firstOut.toFixed(1)} s, run CPU ${run.cpu?.toFixed(1)} s (model share ${cpuShare.toFixed(2)})`);
    }
  }
  console.log(`\n${size.name} (${size.width}x${size.height}, model input ${only.fp32.input}, ${size.frames} frames)`);
  for (const name of Object.keys(variants)) {
    const steady = median(runs[name].map((r) => r.steady));
    const wall = median(runs[name].map((r) => r.wall));
    const last = runs[name][runs[name].length - 1];
    const iou = name === 'fp32' ? 1 : getMeanMaskIoU(outs[name], outs.fp32);
    rows.push({
      size: size.name, name, ...only[name], steady, wall, frames: last.frames, iou, rss: last.rss,
      adjacent: spread(runs[name].map((r) => r.adjacent)),
      steadyRatio: spread(runs[name].map((r) => r.steady / r.adjacent)),
      wallRatio: spread(runs[name].map((r) => r.frames / r.wall / r.adjacent)),
      firstOut: spread(runs[name].map((r) => r.firstOut)),
      cpuShare: spread(runs[name].map((r) => r.cpuShare)),
    });
    console.log(`  ${name.padEnd(13)} ${last.stages}; start-up ${last.startup.toFixed(1)} s`);
  }
}

console.log('\nsummary (model-only: median wall time, median of per-round speed-ups, ratio of median CPU times; end-to-end: steady state, and frames / wall-clock from start to exit)');
console.log('e2e/only and wall/only: each end-to-end run over the model-only f/s measured just before it; model CPU share: the model-only CPU per frame times the frames, over the whole run\'s CPU (ffmpeg included) — what e2e/only can reach where the run has the cores to itself (each round\'s value, or median and range over more than three)');
const header = ['size', 'model', 'model-only', 'vs fp32', 'CPU vs fp32', 'end-to-end', 'frames/wall', 'adjacent model-only', 'e2e/only', 'wall/only', 'model CPU share', 'first out (s)', 'cls_attn cos', 'tokens cos', 'mask IoU', 'peak RSS'];
const table = rows.map((r) => [
  r.size, r.name, `${r.fps.toFixed(2)} f/s`, `${r.speedup.toFixed(2)}x`, `${r.cpuSpeedup.toFixed(2)}x`, `${r.steady.toFixed(2)} f/s`,
  `${(r.frames / r.wall).toFixed(2)} f/s`, r.adjacent, r.steadyRatio, r.wallRatio, r.cpuShare, r.firstOut, r.attentionCosine.toFixed(5), r.tokenCosine.toFixed(5), r.iou.toFixed(3), `${r.rss.toFixed(0)} MiB`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
for (const row of [header, ...table]) console.log(`| ${row.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`);

// Memory must not grow with the video's length: the same fp32 run at --long-frames frames.
if (Number(args['long-frames']) > 0 && rows.some((r) => r.size === sizes[1].name)) {
  const size = sizes[1];
  const longVideo = makeVideo(path.join(folder, 'long.mp4'), { width: size.width, height: size.height, fps, seconds: Number(args['long-frames']) / fps });
  const longRun = await runTrack(longVideo, path.join(folder, 'long-out'), ['--model', fp32, '--device', 'cpu', '--threads', args.threads, '--format', 'davis', '--short-side', String(size.shortSide)]);
  const shortRun = rows.find((r) => r.size === size.name && r.name === 'fp32');
  console.log(`peak RSS ${size.name} fp32: ${shortRun.frames} frames ${shortRun.rss.toFixed(1)} MiB, ${longRun.frames} frames ${longRun.rss.toFixed(1)} MiB (${((longRun.rss / shortRun.rss - 1) * 100).toFixed(1)}%)`);
}
