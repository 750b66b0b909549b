import cliProgress from 'cli-progress';
import { setStatusLine } from '../util/stderr-lines.js';

export const progressModes = ['auto', 'bar', 'json', 'none'] as const;
export type ProgressMode = (typeof progressModes)[number];

/** Reports frames done on stderr: a bar for people, JSON lines for pipelines. */
export interface Progress {
  update(done: number, total: number): void;
  /** Removes the bar (the run's closing line says what it showed). */
  stop(): void;
}

const jsonIntervalMs = 500;
/** How often an explicit `--progress bar` on a non-terminal prints its line. */
const plainLineIntervalMs = 2000;

function createBar(unit: string): Progress {
  const terminal = Boolean(process.stderr.isTTY);
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
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
  const started = Date.now();
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
    update(done, total) {
      if (stopped) return;
      const rate = (done / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1);
      if (!running) {
        bar.start(Math.max(total, done), done, { rate });
        running = true;
        retire = setStatusLine({ clear, stop });
      }
      if (total < done) bar.setTotal(done);
      bar.update(done, { rate });
    },
    stop,
  };
}

function createJson(): Progress {
  const started = Date.now();
  let last = 0;
  let lastLine = '';
  const line = (done: number, total: number): string => {
    const seconds = (Date.now() - started) / 1000;
    const fps = done / Math.max(seconds, 1e-3);
    const eta = fps > 0 ? Math.max(0, (total - done) / fps) : null;
    return JSON.stringify({ frame: done, total, fps: Number(fps.toFixed(2)), eta_s: eta === null ? null : Number(eta.toFixed(1)), elapsed_s: Number(seconds.toFixed(1)) });
  };
  return {
    update(done, total) {
      const now = Date.now();
      lastLine = line(done, total);
      if (now - last >= jsonIntervalMs || done === total) {
        process.stderr.write(`${lastLine}\n`);
        last = now;
        lastLine = '';
      }
    },
    stop() {
      if (lastLine) process.stderr.write(`${lastLine}\n`);
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
