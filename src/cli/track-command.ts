import { runTrack } from '../pipeline.js';
import { getFfmpegBinaries } from '../video/index.js';
import { formatStageTimes } from '../util/stage-clock.js';
import { createProgress } from './progress.js';
import { normalizeTrackOptions, type RawTrackOptions } from './track-options.js';

function say(line: string): void {
  process.stderr.write(`dino-track: ${line}\n`);
}

/** `dino-track track INPUT -o OUT`: validate, then run the pipeline with progress. */
export async function runTrackCommand(input: string | undefined, raw: RawTrackOptions): Promise<void> {
  const options = normalizeTrackOptions(input, raw);
  const progress = createProgress(options.progress);
  const downloads = createProgress(options.progress, 'bytes');
  options.model.notify = say;
  options.model.onDownloadProgress = (received, total) => downloads.update(received, total ?? received);
  try {
    const summary = await runTrack({
      ...options,
      onStart: ({ video, model, cache }) => {
        downloads.stop();
        if (options.verbose && cache) {
          const { info } = cache;
          say(`feature cache ${options.features}: ${info.frames} frames, ${info.rows}x${info.cols} patches, ${info.heads} heads, D ${info.dim}, frames ${info.frameWidth}x${info.frameHeight}`);
        }
        if (options.verbose && video) {
          const { ffmpeg, source } = getFfmpegBinaries();
          say(`ffmpeg ${ffmpeg} (from ${source})`);
        }
        if (options.verbose && video && model) {
          say(`${video.width}x${video.height} @ ${video.fps.toFixed(3)} fps, ${video.frameCount}${video.frameCountIsEstimate ? ' (estimated)' : ''} frames`);
          say(`model ${model.file}: patch ${model.structure.patchSize}, input ${model.inputWidth}x${model.inputHeight} (${model.rows}x${model.cols} patches), provider ${model.session.provider}, threads ${options.model.threads || 'auto'}`);
          if (model.preparedPath) say(`prepared model ${model.preparedNow ? 'written to' : 'reused from'} ${model.preparedPath}`);
        }
      },
      onProgress: (done, total) => progress.update(done, total),
    });
    progress.stop();
    if (options.verbose) {
      say(`wrote ${options.output} (${summary.frames} frames, ${summary.source}, ${(summary.frames / summary.wallSeconds).toFixed(2)} frames/s)`);
      if (summary.keyFrames !== summary.frames) say(`tracked ${summary.keyFrames} key frames; the other ${summary.frames - summary.keyFrames} were interpolated (--stride ${options.stride})`);
      say(`busy time per stage (stages overlap): ${formatStageTimes(summary.stages, summary.wallSeconds)}; wall ${summary.wallSeconds.toFixed(1)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
    }
  } finally {
    progress.stop();
    downloads.stop();
  }
}
