import cliProgress from 'cli-progress';
import type { VideoProgress } from '../batch/index.js';
import { setStatusLine, writeStderrLines } from '../util/stderr-lines.js';
import type { ProgressMode } from './progress.js';

/** Progress of a batch: videos finished, and how far the ones running are. */
export interface BatchProgress {
  /** A running video reported its frames. */
  update(input: string, progress: VideoProgress): void;
  /** A video ended (done, skipped or failed). */
  finish(input: string): void;
  stop(): void;
}

/** Share of a video done, 0 to 1. */
function getShare(progress: VideoProgress): number {
  return progress.total > 0 ? Math.min(1, progress.frame / progress.total) : 0;
}

/**
 * `bar`: one bar over all videos (each counts one, a running one by its share of frames);
 * `json`: each video's progress line passed on with the input and the batch's counts.
 */
export function createBatchProgress(mode: ProgressMode, videos: number): BatchProgress {
  const resolved = mode === 'auto' ? (process.stderr.isTTY ? 'bar' : 'none') : mode;
  const running = new Map<string, number>();
  let finished = 0;
  if (resolved === 'json') {
    return {
      update(input, progress) {
        writeStderrLines(JSON.stringify({ input, ...progress, videos_done: finished, videos_total: videos }));
      },
      finish() {
        finished++;
      },
      stop: () => undefined,
    };
  }
  if (resolved !== 'bar') return { update: () => undefined, finish: () => undefined, stop: () => undefined };
  const terminal = Boolean(process.stderr.isTTY);
  const bar = new cliProgress.SingleBar({
    stream: process.stderr, format: '{bar} {percentage}% | {done}/{videos} videos | ETA {eta_formatted}', hideCursor: terminal, fps: 5,
    clearOnComplete: true, noTTYOutput: !terminal, notTTYSchedule: 2000,
  }, cliProgress.Presets.shades_classic);
  /** Hundredths of a video, so a running one moves the bar. */
  const scale = 100;
  bar.start(videos * scale, 0, { done: 0, videos });
  let active = true;
  const retire = setStatusLine({
    clear: () => terminal && active && process.stderr.write('\r\x1b[2K'),
    stop: () => stop(),
  });
  const redraw = (): void => {
    if (!active) return;
    const partial = [...running.values()].reduce((sum, share) => sum + share, 0);
    bar.update(Math.round((finished + partial) * scale), { done: finished, videos });
  };
  const stop = (): void => {
    if (active) bar.stop();
    active = false;
    retire();
  };
  return {
    update(input, progress) {
      running.set(input, getShare(progress));
      redraw();
    },
    finish(input) {
      running.delete(input);
      finished++;
      redraw();
    },
    stop,
  };
}
