import { runTrack, type TrackSummary } from '../pipeline.js';
import { countOf } from './count-of.js';
import { formatStageTimes } from '../util/stage-clock.js';
import { writeStderrLines } from '../util/stderr-lines.js';
import { getFfmpegBinaries } from '../video/index.js';
import { describeSmallInput } from './small-input.js';
import { describeUnreadableAudio } from './unreadable-audio.js';
import { letSmallHeapGrow } from './heap-growth.js';
import { createProgress } from './progress.js';
import { createSlowRunHint } from './slow-run-hint.js';
import { normalizeTrackOptions, type RawTrackOptions, type TrackOptions } from './track-options.js';

function say(line: string): void {
  writeStderrLines(`dino-track: ${line}`);
}

/** What was written, for the closing line: the file, the folder with its formats, or stdout. */
function describeOutput(options: TrackOptions): string {
  if (options.output === '-') return 'ndjson to stdout';
  if (options.formats.length === 1 && options.formats[0] === 'overlay') return options.output;
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
  for (const notice of options.notices) say(notice);
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
      onStart: ({ video, model, cache }) => {
        downloads.stop();
        // Once the cache opened (a run that fails says only why): the run that saved it refined
        // its masks with the frames; without them these cannot be.
        const small = model
          ? describeSmallInput({ rows: model.rows, cols: model.cols, patchSize: model.structure.patchSize, width: model.inputWidth, height: model.inputHeight })
          : cache && describeSmallInput({ rows: cache.info.rows, cols: cache.info.cols, patchSize: cache.info.patchSize, width: cache.info.cols * cache.info.patchSize, height: cache.info.rows * cache.info.patchSize });
        if (small) say(small);
        const unreadable = video && options.formats.includes('overlay') ? describeUnreadableAudio(video) : undefined;
        if (unreadable) say(unreadable);
        // Only a run from the cache alone takes its times; with the video, the video's are used.
        if (cache?.timeNotice && !video) say(cache.timeNotice);
        if (cache && !video && raw.refine === undefined) say('tracking from the feature cache alone: masks follow the patch grid, not refined with the frames; give the video as INPUT too to refine them (--refine none to say this is meant)');
        if (!options.verbose) return;
        if (cache) {
          const { info } = cache;
          say(`feature cache ${options.features}: ${info.frames} frames, ${info.rows}x${info.cols} patches (rows x cols), ${info.heads} heads, D ${info.dim}, frames ${info.frameWidth}x${info.frameHeight} (WxH)`);
        }
        if (video) {
          const { ffmpeg, source } = getFfmpegBinaries();
          say(`ffmpeg ${ffmpeg} (from ${source})`);
        }
        if (video && model) {
          say(`${video.width}x${video.height} (WxH) @ ${video.fps.toFixed(3)} fps, ${video.frameCount}${video.frameCountIsEstimate ? ' (estimated)' : ''} frames`);
          say(`model ${model.file}: patch ${model.structure.patchSize}, input ${model.inputWidth}x${model.inputHeight} (WxH; ${model.rows}x${model.cols} patches), provider ${model.session.provider}, threads ${options.model.threads || 'auto'}`);
          if (model.preparedPath) say(`prepared model ${model.preparedNow ? 'written to' : 'reused from'} ${model.preparedPath}`);
        }
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
