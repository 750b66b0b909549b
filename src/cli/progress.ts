import cliProgress from 'cli-progress';

export const progressModes = ['auto', 'bar', 'json', 'none'] as const;
export type ProgressMode = (typeof progressModes)[number];

/** Reports frames done on stderr: a bar for people, JSON lines for pipelines. */
export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const jsonIntervalMs = 500;

function createBar(unit: string): Progress {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `{bar} {percentage}% | {value}/{total} ${unit} | {rate} ${unit}/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 20,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let running = false;
  return {
    update(done, total) {
      const rate = (done / Math.max(1e-3, (Date.now() - started) / 1000)).toFixed(1);
      if (!running) {
        bar.start(Math.max(total, done), done, { rate });
        running = true;
      }
      if (total < done) bar.setTotal(done);
      bar.update(done, { rate });
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
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
    },
  };
}

/** `auto` shows a bar only when stderr is a terminal. */
export function createProgress(mode: ProgressMode, unit = 'frames'): Progress {
  const resolved = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'none') : mode;
  if (resolved === 'bar') return createBar(unit);
  if (resolved === 'json') return createJson();
  return { update: () => undefined, stop: () => undefined };
}
