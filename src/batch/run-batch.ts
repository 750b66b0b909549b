import { makeFolders } from '../util/make-folders.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup, onStop } from '../util/cleanup.js';
import { createLineSplitter } from '../util/stderr-lines.js';
import { holdsOnlyBrowserFiles } from '../util/paths.js';
import { runRecordName } from '../export/output-folder.js';
import { batchChildVariable } from '../util/batch-child.js';
import { batchOutputVariable, describeOutputFile, getRecordPath, isDone, isRecordedFile, writeRecord } from './manifest.js';

export interface BatchOptions {
  outputDir: string;
  /** Output name per input, without extension. */
  names: Map<string, string>;
  /** Whether each output is a folder of mask files rather than one overlay video. */
  folderOutputs: boolean;
  /** `track` options forwarded to every video (formats, model, device, …). */
  trackArgs: string[];
  /** What the forwarded options write (see hashOptions): records made with another are redone. */
  optionsHash: string;
  jobs: number;
  /** 0 = no limit. */
  timeoutMs: number;
  redo: boolean;
  /** Called as each input ends. */
  onResult?: (result: BatchResult, finished: number, total: number) => void;
  /** Called with each progress report of a video being tracked (its `track --progress json` lines). */
  onVideoProgress?: (input: string, progress: VideoProgress) => void;
  /** Called on a stop (Ctrl-C, SIGTERM) once every video in flight has ended, before the process exits. */
  onStopped?: () => void;
}

/** What a batch did: every input that ended, and whether a stop (Ctrl-C, SIGTERM) cut it short. */
export interface BatchRun {
  results: BatchResult[];
  /** Stopped: the inputs not reached are not in `results`, nor the runs the stop ended. */
  interrupted: boolean;
}

/** One `--progress json` line of a `track` run. */
export interface VideoProgress {
  frame: number;
  total: number;
  fps: number;
  eta_s: number | null;
}

export interface BatchResult {
  input: string;
  output: string;
  status: 'done' | 'skipped' | 'failed';
  error?: string;
  frames?: number;
  seconds?: number;
}

const cli = fileURLToPath(new URL('../../bin/dino-track.js', import.meta.url));

function timedOutError(timeoutMs: number): string {
  return `timed out after ${timeoutMs / 1000} s (its partial output removed); give a larger --timeout, or 0 for none, if it needs longer`;
}

/** One `track` run in its own process: a crash or a hang in one video cannot take the batch down. */
function trackOne(input: string, output: string, args: string[], timeoutMs: number, recorded: boolean, onProgress?: (progress: VideoProgress) => void): Promise<{ ok: boolean; error?: string; frames?: number; stopped?: boolean; placed?: boolean }> {
  return new Promise((resolve) => {
    // stdin stays open as a lifeline: if this process dies, even by SIGKILL, the child sees it close and stops.
    const child: ChildProcess = spawn(process.execPath, [cli, 'track', input, '-o', output, '--overwrite', '--progress', 'json', ...args], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, DINO_TRACK_EXIT_WITH_PARENT: '1', [batchChildVariable]: '1', ...(recorded ? { [batchOutputVariable]: path.resolve(output) } : {}) },
    });
    const started = Date.now();
    // Once: a second SIGTERM (the cleanups run again after a stop, or a timeout) would kill the child before its own cleanup.
    let stopped = false;
    const unregister = onCleanup(() => {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      child.kill('SIGTERM');
    });
    let stderr = '';
    const lines = createLineSplitter((line) => {
      if (!line.startsWith('{')) return;
      const progress = JSON.parse(line) as VideoProgress & { stage?: string };
      // A prompted run's earlier passes count frames too, but none is written yet.
      if (progress.stage === undefined) onProgress?.(progress);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      stderr = (stderr + text).slice(-20_000);
      lines.push(text);
    });
    let timedOut = false;
    const timer = timeoutMs > 0
      ? setTimeout(() => {
        if (stopped) return;
        timedOut = true;
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }, timeoutMs)
      : undefined;
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      unregister();
      const lines = stderr.split('\n').filter(Boolean);
      const progress = lines.filter((l) => l.startsWith('{')).pop();
      const frames = progress ? (JSON.parse(progress) as { frame: number }).frame : undefined;
      if (code === 0) return resolve({ ok: true, frames });
      // Ended by the batch's own stop: not a failure of this video; done if it had already put
      // its output in place (the stop came between that and its exit: a review).
      // So is one the timeout stopped there (a review: it was reported failed, its complete output
      // left without a record, which the next batch then refused).
      const placed = hasOutputSince(output, started);
      if (stopped || timedOut) return resolve(placed ? { ok: true, frames } : stopped ? { ok: false, stopped: true } : { ok: false, error: timedOutError(timeoutMs) });
      const error = lines.find((l) => l.startsWith('dino-track: error:'))?.replace('dino-track: error: ', '') ?? `exited with ${signal ?? code}: ${lines.filter((l) => !l.startsWith('{')).pop() ?? 'no message'}`;
      resolve({ ok: false, error, placed });
    });
  });
}

/**
 * Whether `track` put a whole output at `output` since `since` (ms): outputs are renamed into
 * place only once complete, an overlay as one file, a folder with its run record inside.
 */
function hasOutputSince(output: string, since: number): boolean {
  try {
    const stats = statSync(output);
    if (stats.isDirectory() && !existsSync(path.join(output, runRecordName))) return false;
    return stats.mtimeMs >= since;
  } catch {
    return false;
  }
}

/**
 * Why this input's output may not be written, if it may not: every `track` run of a batch
 * replaces its output (a rerun redoes it), so the output must be the batch's own. An output
 * that exists without a record of this batch is someone else's (or one whose run was stopped
 * before its record: removing it lets it be redone). That holds for folders too: `track`
 * alone replaces any folder dino-track wrote, and a batch replaced a user's careful prompted
 * `track` run in `res/clip/` with an unsupervised one (a first-time user's trial); an empty
 * folder is no one's work.
 */
function refuseOutput(input: string, output: string, record: string, folderOutput: boolean): string | undefined {
  if (path.resolve(output) === path.resolve(input)) return `its output would be the input itself, ${output}; give another -o (nothing was replaced)`;
  if (existsSync(output) && !existsSync(record) && !(folderOutput && holdsOnlyBrowserFiles(output))) return `${output} exists and no record says this batch wrote it; move it away to process this video (nothing was replaced)`;
  return undefined;
}

/**
 * Runs `track` over many inputs, `jobs` at a time. Inputs recorded as done (with the same
 * options, unchanged since) are skipped; a failed input is reported and the rest go on.
 * A stop (Ctrl-C, SIGTERM) starts no further video: the runs in flight are told to stop by the
 * cleanups and are not reported (a first-time user's Ctrl-C went on starting the next videos,
 * one of them to the end, and called the stopped ones failed); the promise resolves, and
 * `onStopped` is called, once they have all ended (each removes its partial output first).
 */
export async function runBatch(inputs: string[], options: BatchOptions): Promise<BatchRun> {
  const { optionsHash } = options;
  makeFolders(options.outputDir);
  const results: BatchResult[] = [];
  let next = 0;
  let finished = 0;
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  // The cleanups run first on a signal, synchronously: from then on no video starts.
  const unregisterCleanup = onCleanup(() => {
    stopping = true;
  });
  const unregisterStop = onStop(async () => {
    stopping = true;
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    options.onStopped?.();
  });
  const finish = (result: BatchResult): void => {
    results.push(result);
    options.onResult?.(result, ++finished, inputs.length);
  };
  const runInput = async (input: string): Promise<void> => {
    const name = options.names.get(input) as string;
    const output = path.join(options.outputDir, options.folderOutputs ? name : `${name}.mp4`);
    const record = getRecordPath(options.outputDir, name);
    if (!options.redo && isDone(record, input, output, optionsHash)) return finish({ input, output, status: 'skipped' });
    const refusal = refuseOutput(input, output, record, options.folderOutputs);
    if (refusal) return finish({ input, output, status: 'failed', error: refusal });
    // The record stays until a new one replaces it: a rerun that fails leaves the earlier
    // output in place (outputs are committed whole), still this batch's. What a killed run
    // left beside the output, track itself removes (only what dead processes left).
    const started = performance.now();
    // A folder output is spelled as one: named after `IMG_0001.MOV.mp4`, it would read as a video file's name.
    // A file output the record shows is this batch's may be replaced though it has no mark (written before the marks).
    const recorded = !options.folderOutputs && isRecordedFile(record, output);
    const run = await trackOne(input, options.folderOutputs ? `${output}${path.sep}` : output, options.trackArgs, options.timeoutMs, recorded, (progress) => options.onVideoProgress?.(input, progress));
    const seconds = (performance.now() - started) / 1000;
    if (run.stopped) return;
    const recordRun = (failed: boolean): void => {
      const stats = statSync(input);
      writeRecord(record, { input, output, size: stats.size, mtimeMs: stats.mtimeMs, options: optionsHash, frames: run.frames, seconds, finishedAt: new Date().toISOString(), ...describeOutputFile(output), ...(failed ? { failed } : {}) });
    };
    if (!run.ok) {
      // A run that failed after its output was in place (ids past 255 in DAVIS stop it with the
      // frames before written) leaves that output the batch's: a record that marks it so, not as
      // done, or the rerun the error advises refused it as someone else's (a review).
      if (run.placed) recordRun(true);
      return finish({ input, output, status: 'failed', error: run.error, seconds });
    }
    // Recorded even during a stop: a video that finished is done, and a rerun skips it.
    recordRun(false);
    finish({ input, output, status: 'done', frames: run.frames, seconds });
  };
  const worker = async (): Promise<void> => {
    while (!stopping && next < inputs.length) {
      const work = runInput(inputs[next++]);
      inFlight.add(work);
      try {
        await work;
      } finally {
        inFlight.delete(work);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.jobs, inputs.length)) }, worker));
  } finally {
    unregisterCleanup();
    // A stop under way keeps its stopper: it waits for the runs, which have ended now.
    if (!stopping) unregisterStop();
  }
  return { results, interrupted: stopping };
}
