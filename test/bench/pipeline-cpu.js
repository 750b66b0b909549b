// node test/bench/pipeline-cpu.js --model M.onnx [--frames 60,500] [--rounds 3] [--lines 224]
//   [--compare OTHER_ROOT] [--video V.mp4] — where a `track` run's CPU goes besides the model, and this build
// against another (OTHER_ROOT: a checkout with its own built dist/, e.g. main's in a detached
// worktree), interleaved: each round runs the model alone (--adjacent-calls calls after a
// warm-up, CPU per frame of all its threads), then each build's CLI on the same generated
// video (DAVIS masks, like `npm run bench`), alternating the builds' order round by round.
// Per run: wall-clock, time to the first frame out, and CPU seconds from /proc per thread —
// the main thread, the inference worker's two busiest threads ("model"), every other thread
// (V8's GC and compiler helpers, libuv, the refinement worker) and ffmpeg/ffprobe. --video
// runs that video instead of generated ones (--frames then only labels it): a test pattern
// gives a model with meaningful attention little to track, a rendered scene
// (test/bench/rendered-scenes.js) gives it objects. The
// model's share of the run's CPU (model-only CPU per frame × frames / the run's CPU) is what
// end-to-end / model-only can reach where the run has the cores to itself; on a shared,
// loaded machine it moves far less than wall-clock ratios do. Linux only (/proc).
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeTempDir, makeVideo, root } from '../fixtures.js';
import { measureModelOnly, median } from './measure.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string' },
    frames: { type: 'string', default: '60,500' },
    rounds: { type: 'string', default: '3' },
    lines: { type: 'string', default: '224' },
    compare: { type: 'string' },
    'adjacent-calls': { type: 'string', default: '30' },
    video: { type: 'string' },
  },
});
if (!args.model) throw new Error('give --model FILE.onnx');
const lines = Number(args.lines);
// 16:9 frames a few pixels off the patch multiple, as the 224-line rows of `npm run bench` (398x224 → model input 400x224).
const size = { width: Math.round((lines * 16) / 9 / 2) * 2, height: lines };
const builds = [['this build', root], ...(args.compare ? [[args.compare, path.resolve(args.compare)]] : [])];
const folder = makeTempDir('dino-track-pipeline-cpu-');
const ticks = 100; // USER_HZ: /proc's CPU times are in 1/100 s on Linux

/** utime + stime of a /proc stat line, in seconds. */
function readCpu(statFile) {
  const text = readFileSync(statFile, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticks;
}

/** Runs one build's CLI, polling each thread's CPU (and the ffmpeg children's) until it exits. */
function runCli(buildRoot, video, out, extra) {
  rmSync(out, { recursive: true, force: true });
  const argv = [path.join(buildRoot, 'bin/dino-track.js'), 'track', video, '-o', out, '--format', 'davis', '--progress', 'json', ...extra];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    const threads = new Map();
    const children = new Map();
    let stderr = '';
    let firstOut;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (firstOut === undefined && /^\{/m.test(stderr)) firstOut = (performance.now() - started) / 1000;
    });
    const poll = () => {
      try {
        for (const t of readdirSync(`/proc/${child.pid}/task`)) threads.set(t, readCpu(`/proc/${child.pid}/task/${t}/stat`));
        for (const k of readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
          children.set(k, { cpu: readCpu(`/proc/${k}/stat`), name: readFileSync(`/proc/${k}/comm`, 'utf8').trim() });
        }
      } catch {
        // a thread or child that ended between listing and reading keeps its last reading
      }
    };
    const timer = setInterval(poll, 20);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`dino-track exited ${code}: ${stderr.trim().split('\n').pop()}`));
      const main = threads.get(String(child.pid)) ?? 0;
      const others = [...threads].filter(([t]) => t !== String(child.pid)).map(([, c]) => c).sort((a, b) => b - a);
      const model = (others[0] ?? 0) + (others[1] ?? 0);
      const helpers = others.slice(2).reduce((a, b) => a + b, 0);
      const ffmpeg = [...children.values()].reduce((a, c) => a + c.cpu, 0);
      const frames = JSON.parse(stderr.split('\n').filter((l) => l.startsWith('{')).pop()).frame;
      resolve({ wall, firstOut, frames, main, model, helpers, ffmpeg, cpu: main + model + helpers + ffmpeg });
    });
  });
}

const fmt = (v, d = 2) => v.toFixed(d);
console.log(`pipeline CPU — ${args.model} at ${size.width}x${size.height}, ${args.rounds} rounds; builds: ${builds.map(([n]) => n).join(' | ')}`);
const summary = [];
for (const frames of args.video ? [path.basename(args.video)] : args.frames.split(',').map(Number)) {
  const video = args.video ?? makeVideo(path.join(folder, `${frames}.mp4`), { width: size.width, height: size.height, fps: 25, seconds: frames / 25 });
  const runs = Object.fromEntries(builds.map(([name]) => [name, []]));
  for (let round = 0; round < Number(args.rounds); round++) {
    const only = await measureModelOnly({ model: args.model, device: 'cpu', width: size.width, height: size.height, shortSide: lines, frames: Number(args['adjacent-calls']) });
    const order = round % 2 ? [...builds].reverse() : builds;
    for (const [name, buildRoot] of order) {
      const run = await runCli(buildRoot, video, path.join(folder, 'out'), ['--model', args.model, '--device', 'cpu', '--short-side', String(lines)]);
      const share = (only.cpuPerFrame * run.frames) / run.cpu;
      const ratio = run.frames / run.wall / only.fps;
      runs[name].push({ ...run, share, ratio, only });
      const perFrame = (s) => fmt((s / run.frames) * 1000, 1);
      console.log(`  ${frames} frames, round ${round}, ${name}: model-only ${fmt(only.fps)} f/s (${fmt(only.cpuPerFrame * 1000, 1)} ms CPU/frame); run ${fmt(run.wall)} s wall (${fmt(ratio)} of model-only), first out ${fmt(run.firstOut)} s; CPU ${fmt(run.cpu)} s (model share ${fmt(share)}): ms a frame main ${perFrame(run.main)}, model ${perFrame(run.model)}, other threads ${perFrame(run.helpers)}, ffmpeg+ffprobe ${perFrame(run.ffmpeg)}`);
    }
  }
  for (const [name] of builds) {
    const r = runs[name];
    const med = (key) => median(r.map((x) => x[key]));
    summary.push(`| ${frames} | ${name} | ${fmt(med('share'))} (${fmt(Math.min(...r.map((x) => x.share)))}–${fmt(Math.max(...r.map((x) => x.share)))}) | ${fmt(med('ratio'))} (${fmt(Math.min(...r.map((x) => x.ratio)))}–${fmt(Math.max(...r.map((x) => x.ratio)))}) | ${fmt(med('cpu'))} s | ${fmt(med('main'))} / ${fmt(med('model'))} / ${fmt(med('helpers'))} / ${fmt(med('ffmpeg'))} s | ${fmt(med('firstOut'))} s |`);
  }
}
console.log('\n| frames | build | model share of run CPU, median (range) | frames/wall ÷ adjacent model-only, median (range) | run CPU | main / model / other threads / ffmpeg+ffprobe | first out |');
console.log('|---|---|---|---|---|---|---|');
for (const row of summary) console.log(row);
