// Measurements shared by the benchmarks: model-only throughput and a timed CLI run.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadModel, writeNormalisedFrame_ } from '../../dist/model/index.js';
import { cli } from '../fixtures.js';

const gnuTime = '/usr/bin/time';

/** Model-only frames/s: pre-made tensors through the prepared session, one warm-up call not counted. */
export async function measureModelOnly({ model, device, threads = 0, batch = 1, width, height, shortSide, frames }) {
  const loaded = await loadModel({ model, device, threads, shortSide }, width, height);
  const { inputWidth: w, inputHeight: h } = loaded;
  const input = new Float32Array(batch * 3 * w * h);
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 2654435761) >>> 24);
  for (let b = 0; b < batch; b++) writeNormalisedFrame_(rgb, input, b, w, h);
  // A fresh copy per call, as the pipeline builds a fresh tensor per batch (the session takes it over).
  await loaded.session.run(input.slice(), batch, h, w);
  const calls = Math.max(1, Math.round(frames / batch));
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < calls; i++) await loaded.session.run(input.slice(), batch, h, w);
  const cpu = process.cpuUsage(cpuStarted);
  const seconds = (performance.now() - started) / 1000;
  await loaded.session.release();
  // CPU seconds per frame of all of this process's threads (the worker's onnxruntime threads included).
  return { fps: (calls * batch) / seconds, cpuPerFrame: (cpu.user + cpu.system) / 1e6 / (calls * batch), input: `${w}x${h}`, provider: loaded.session.provider };
}

/** A smooth synthetic frame, normalised [1, 3, H, W] (natural images are smooth; noise would favour no one). */
export function makeSmoothInput(width, height) {
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => {
    const x = (i / 3) % width;
    const y = Math.floor(i / 3 / width);
    return 128 + 100 * Math.sin(x / 40 + (i % 3)) * Math.cos(y / 30);
  });
  const input = new Float32Array(3 * width * height);
  writeNormalisedFrame_(rgb, input, 0, width, height);
  return input;
}

export const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Runs sessions side by side: one warm-up call each (its outputs are returned), then
 * `rounds` rounds in which every session runs once in turn, so load from other processes
 * hits all alike. Wall and process CPU times (all onnxruntime threads) in ms per call; on a
 * loaded machine CPU time varies much less than wall time.
 */
export async function timeInterleaved(sessions, input, rounds, height, width) {
  const outputs = {};
  const times = {};
  const cpuTimes = {};
  for (const [name, session] of Object.entries(sessions)) {
    outputs[name] = await session.run(input.slice(), 1, height, width);
    times[name] = [];
    cpuTimes[name] = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const [name, session] of Object.entries(sessions)) {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      await session.run(input.slice(), 1, height, width);
      const cpu = process.cpuUsage(cpuStarted);
      times[name].push(performance.now() - started);
      cpuTimes[name].push((cpu.user + cpu.system) / 1000);
    }
  }
  return { outputs, times, cpuTimes };
}

/** Runs the CLI; returns steady-state fps, wall time, seconds to the first frame out, stage line and peak RSS from its own report, and CPU seconds (with GNU time). */
export function runTrack(video, out, extra) {
  const argv = [cli, 'track', video, '-o', out, '--progress', 'json', '--verbose', ...extra];
  // GNU time adds the run's CPU seconds, ffmpeg's included (a child it waited for).
  const timed = existsSync(gnuTime);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = timed
      ? spawn(gnuTime, ['-f', 'CPU_SECONDS %U %S', process.execPath, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let firstOut;
    child.stderr.on('data', (d) => {
      stderr += d;
      // Process start to the first frame out: the first progress line (written once frame 0 is).
      if (firstOut === undefined && /^\{/m.test(stderr)) firstOut = (performance.now() - started) / 1000;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const wall = (performance.now() - started) / 1000;
      // Its own error line, not the stack trace --verbose prints after it.
      const lines = stderr.trim().split('\n').filter((l) => !/^(CPU_SECONDS|Command exited)/.test(l));
      if (code !== 0) return reject(new Error(`dino-track exited ${code}: ${lines.filter((l) => l.startsWith('dino-track:')).pop() ?? lines.pop()}`));
      const points = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
      // Steady state: from the first report after a fifth of the frames (the queue fills at the start).
      const last = points[points.length - 1];
      const first = points.find((p) => p.frame >= Math.max(1, 0.2 * last.frame) && p !== last) ?? points[0];
      // Progress lines come every 0.5 s with elapsed_s to 0.1 s: a run too short for two of them
      // has no steady rate (it used to divide by almost nothing: 2200000076 frames/s).
      const span = last.elapsed_s - first.elapsed_s;
      const steady = span >= 0.3 ? (last.frame - first.frame) / span : NaN;
      const stages = /busy time per stage \(stages overlap\): (.*?); (?:wall|peak)/.exec(stderr)?.[1] ?? '?';
      const rss = Number(/peak RSS ([\d.]+) MiB/.exec(stderr)?.[1]);
      const times = /CPU_SECONDS ([\d.]+) ([\d.]+)/.exec(stderr);
      const cpu = times ? Number(times[1]) + Number(times[2]) : undefined;
      // The batch it ran at, where it said it took fewer frames a call than asked (WebGPU).
      const batchUsed = Number(/using --batch (\d+)/.exec(stderr)?.[1]) || undefined;
      resolve({ frames: last.frame, steady, wall, startup: first.elapsed_s - first.frame / steady, firstOut, stages, rss, cpu, batchUsed });
    });
  });
}
