import { runTrack, type TrackSummary } from '../pipeline.js';
import { countOf } from './count-of.js';
import { formatStageTimes } from '../util/stage-clock.js';
import { writeStderrLines } from '../util/stderr-lines.js';
import { getStartNotices } from './start-notices.js';
import { letSmallHeapGrow } from './heap-growth.js';
import { createProgress } from './progress.js';
import { createSlowRunHint } from './slow-run-hint.js';
import { normalizeTrackOptions, type RawTrackOptions, type TrackOptions } from './track-options.js';
import { isVideoTarget } from '../export/format-names.js';

function say(line: string): void {
  writeStderrLines(`dino-track: ${line}`);
}

/** What was written, for the closing line: the file, the folder with its formats, or stdout. */
function describeOutput(options: TrackOptions): string {
  if (options.output === '-') return 'ndjson to stdout';
  // A folder holding the overlay alone is named as a folder (a folder `e.mp4` read as a video file).
  if (options.formats.length === 1 && options.formats[0] === 'overlay' && isVideoTarget(options.output)) return options.output;
  return `${options.output} (${options.formats.join(', ')})`;
}

/** The closing line of every successful run, as `yolo` ends with "Results saved to …". */
function formatSummary(options: TrackOptions, summary: TrackSummary): string {
  const rate = summary.frames / Math.max(summary.wallSeconds, 1e-3);
  return `wrote ${describeOutput(options)}: ${countOf(summary.frames, 'frame')}, ${countOf(summary.objects, 'object')}, ${summary.wallSeconds.toFixed(1)} s (${rate.toFixed(2)} frames/s)`;
}

/** `dino-track track INPUT -o OUT`: validate, then run the pipeline with progress and a closing line. */
export async function runTrackCommand(input: string | undefined, raw: RawTrackOptions): Promise<void> {
  const options = normalizeTrackOptions(input, raw);
  // Prompted runs keep V8's own heap growth: with the larger one a 1000-frame prompted run
  // peaked 1.107x as high as a 100-frame one (issue 18 bounds that at 1.1; 1.02 without).
  if (!options.prompt) letSmallHeapGrow();
  const progress = createProgress(options.progress);
  const downloads = createProgress(options.progress, 'bytes');
  const hintIfSlow = createSlowRunHint(say);
  options.model.notify = say;
  options.model.onDownloadProgress = (received, total) => downloads.update(received, total ?? received);
  try {
    const summary = await runTrack({
      ...options,
      onStart: (start) => {
        downloads.stop();
        for (const line of getStartNotices(start, options, raw.refine !== undefined)) say(line);
      },
      onProgress: (done, total, stage) => {
        progress.update(done, total, stage);
        // The model's pass is what a slow run is slow at; the backward pass is short.
        if (stage !== 'backward') hintIfSlow(done, total);
      },
    });
    progress.stop();
    if (options.verbose) {
      if (summary.keyFrames !== summary.frames) say(`tracked ${summary.keyFrames} key frames; the other ${summary.frames - summary.keyFrames} were interpolated (--stride ${options.stride})`);
      say(`busy time per stage (stages overlap): ${formatStageTimes(summary.stages, summary.wallSeconds)}; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
    }
    if (!options.quiet) say(formatSummary(options, summary));
  } finally {
    progress.stop();
    downloads.stop();
  }
}
