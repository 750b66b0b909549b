import type { FeatureCache } from '../features/index.js';
import type { LoadedModel } from '../model/index.js';
import { getFfmpegBinaries, type VideoInfo } from '../video/index.js';
import { countOf } from './count-of.js';
import { describeSmallInput } from './small-input.js';
import type { TrackOptions } from './track-options.js';
import { describeUnreadableAudio } from './unreadable-audio.js';

/**
 * What a run says once its input and model are open: the prompts' notices, a frame smaller than its patch grid,
 * audio an overlay cannot keep, a feature cache's times or missing frames; with `verbose`, what
 * it runs on. One list for the command (stderr) and the library (`onNotice`), which dropped
 * them all (a first-time user).
 * @param refineGiven whether --refine was given (a run from the cache alone is then as meant)
 */
export function getStartNotices(start: { video?: VideoInfo; model?: LoadedModel; cache?: FeatureCache }, options: TrackOptions, refineGiven: boolean): string[] {
  const { video, model, cache } = start;
  // What the prompts look like they hold by mistake: said here, not before the run, so that a
  // prompt refused once the video's size is known is said alone (a first-time user's trial: a
  // palette notice, then the shape error).
  const lines: string[] = [...options.notices];
  // Once the cache opened (a run that fails says only why): the run that saved it refined
  // its masks with the frames; without them these cannot be.
  const small = model
    ? describeSmallInput({ rows: model.rows, cols: model.cols, patchSize: model.structure.patchSize, width: model.inputWidth, height: model.inputHeight })
    : cache && describeSmallInput({ rows: cache.info.rows, cols: cache.info.cols, patchSize: cache.info.patchSize, width: cache.info.cols * cache.info.patchSize, height: cache.info.rows * cache.info.patchSize });
  if (small) lines.push(small);
  const unreadable = video && options.formats.includes('overlay') ? describeUnreadableAudio(video) : undefined;
  if (unreadable) lines.push(unreadable);
  // Only a run from the cache alone takes its times; with the video, the video's are used.
  if (cache?.timeNotice && !video) lines.push(cache.timeNotice);
  if (cache && !video && !refineGiven) lines.push('tracking from the feature cache alone: masks follow the patch grid, not refined with the frames; give the video as INPUT too to refine them (--refine none to say this is meant)');
  if (!options.verbose) return lines;
  if (cache) {
    const { info } = cache;
    lines.push(`feature cache ${options.features}: ${countOf(info.frames, 'frame')}, ${info.rows}x${info.cols} patches (rows x cols), ${info.heads} heads, D ${info.dim}, frames ${info.frameWidth}x${info.frameHeight} (WxH)`);
  }
  if (video) {
    const { ffmpeg, source } = getFfmpegBinaries();
    lines.push(`ffmpeg ${ffmpeg} (from ${source})`);
  }
  if (video && model) {
    lines.push(`${video.width}x${video.height} (WxH) @ ${video.fps.toFixed(3)} fps, ${countOf(video.frameCount, 'frame')}${video.frameCountIsEstimate ? ' (estimated)' : ''}`);
    lines.push(`model ${model.file}: patch ${model.structure.patchSize}, input ${model.inputWidth}x${model.inputHeight} (WxH; ${model.cols}x${model.rows} patches), provider ${model.session.provider}, threads ${options.model.threads || 'auto'}`);
    if (model.preparedPath) lines.push(`prepared model ${model.preparedNow ? 'written to' : 'reused from'} ${model.preparedPath}`);
  }
  return lines;
}
