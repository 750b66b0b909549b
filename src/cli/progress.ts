import cliProgress from 'cli-progress';
import type { ProgressStage } from '../pipeline.js';
import { isStatusRetired, setStatusLine } from '../util/stderr-lines.js';

export const progressModes = ['auto', 'bar', 'json', 'none'] as const;
export type ProgressMode = (typeof progressModes)[number];

/** Reports frames done on stderr: a bar for people, JSON lines for pipelines. */
export interface Progress {
  /** `stage` names a pass before the frames are written (prompted runs); each pass counts from 0 again. */
  update(done: number, total: number, stage?: ProgressStage): void;
  /** Removes the bar (the run's closing line says what it showed). */
  stop(): void;
}

const jsonIntervalMs = 500;
/** How the bar names a prompted run's passes before writing (the writing pass has no label). */
const stageLabels: Record<ProgressStage, string> = { features: 'pass 1, model: ', backward: 'pass 2, backwards: ' };
/** How often an explicit `--progress bar` on a non-terminal prints its line. */
const plainLineIntervalMs = 2000;

function createBar(unit: string): Progress {
  const terminal = Boolean(process.stderr.isTTY);
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `{bar} {percentage}% | {stage}{value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
      hideCursor: terminal,
      etaBuffer: 20,
      fps: 5,
      clearOnComplete: true,
      // An explicit --progress bar is honoured off a terminal too, as plain lines.
      noTTYOutput: !terminal,
      notTTYSchedule: plainLineIntervalMs,
    },
    cliProgress.Presets.shades_classic,
  );
  // This pass's first report: the rate counts from it (its own frame was not timed).
  let first = { at: 0, done: 0 };
  let shownStage: ProgressStage | undefined;
  let running = false;
  let stopped = false;
  let retire = (): void => undefined;
  const clear = (): void => {
    if (terminal && running) process.stderr.write('\r\x1b[2K');
  };
  const stop = (): void => {
    if (running) bar.stop();
    running = false;
    stopped = true;
    retire();
  };
  return {
    update(done, total, stage) {
      if (stopped) return;
      if (running && stage !== shownStage) {
        // A new pass: its own count, rate and ETA.
        bar.stop();
        running = false;
        retire();
      }
      if (!running) first = { at: Date.now(), done };
      shownStage = stage;
      // Frames since the pass's first report over the time since: one frame over a millisecond read "1000.0 frames/s" (a second trial); '-' until there is a second.
      const seconds = (Date.now() - first.at) / 1000;
      const rate = done > first.done && seconds > 0 ? ((done - first.done) / seconds).toFixed(1) : '-';
      const payload = { rate, stage: stage ? stageLabels[stage] : '' };
      if (!running) {
        bar.start(Math.max(total, done), done, payload);
        running = true;
        retire = setStatusLine({ clear, stop });
      }
      // The total may change: a container's count one frame more than what decodes is put right at the end (pipeline.ts).
      bar.setTotal(Math.max(total, done));
      bar.update(done, payload);
    },
    stop,
  };
}

function createJson(): Progress {
  const started = Date.now();
  let stageStarted = started;
  let stageFirstDone = 0;
  let shownStage: ProgressStage | undefined;
  let last = 0;
  let lastLine = '';
  const line = (done: number, total: number, stage: ProgressStage | undefined): string => {
    const seconds = (Date.now() - stageStarted) / 1000;
    // Frames since this pass's first report over the time since (the first report's frame was not
    // timed: one frame over a millisecond once read 1000 frames/s); null until there is a second report.
    const fps = done > stageFirstDone && seconds > 0 ? (done - stageFirstDone) / seconds : null;
    const eta = fps ? Math.max(0, (total - done) / fps) : null;
    const timing = { fps: fps === null ? null : Number(fps.toFixed(2)), eta_s: eta === null ? null : Number(eta.toFixed(1)), elapsed_s: Number(((Date.now() - started) / 1000).toFixed(1)) };
    // `stage` only on a prompted run's earlier passes, so readers of the frame lines see them as before.
    return JSON.stringify(stage ? { stage, frame: done, total, ...timing } : { frame: done, total, ...timing });
  };
  return {
    update(done, total, stage) {
      // After a signal's last words nothing more is said.
      if (isStatusRetired()) return;
      const now = Date.now();
      if (stage !== shownStage || last === 0) {
        if (lastLine) process.stderr.write(`${lastLine}\n`);
        shownStage = stage;
        stageStarted = now;
        stageFirstDone = done;
        last = 0;
      }
      lastLine = line(done, total, stage);
      if (now - last >= jsonIntervalMs || done === total) {
        process.stderr.write(`${lastLine}\n`);
        last = now;
        lastLine = '';
      }
    },
    stop() {
      if (lastLine && !isStatusRetired()) process.stderr.write(`${lastLine}\n`);
      lastLine = '';
    },
  };
}

/** `auto` shows a bar only when stderr is a terminal; `bar` always (plain lines off a terminal). */
export function createProgress(mode: ProgressMode, unit = 'frames'): Progress {
  const resolved = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'none') : mode;
  if (resolved === 'bar') return createBar(unit);
  if (resolved === 'json') return createJson();
  return { update: () => undefined, stop: () => undefined };
}
