/**
 * Prompted runs (`--init-mask`, `--prompts`): prompts on several frames need the frames
 * before a prompt too, so features are read twice, backwards then forwards, from a feature
 * cache — the one `--features` names, or a temporary one written here from the video —
 * never held in memory (DESIGN, "Data flow").
 */
import { rm, statfs } from 'node:fs/promises';
import path from 'node:path';
import { ExternalError, UsageError } from './errors.js';
import { createFeatureCacheWriter, nameWriteFailures, type FeatureCache } from './features/index.js';
import { loadModel, type LoadedModel, type SimilaritySession } from './model/index.js';
import type { TrackContext } from './pipeline.js';
import { inferFrames, type KeyFrames } from './source-frames.js';
import { createMultiPromptTracker, type Tracker } from './track/index.js';
import { removeOnCleanup } from './util/cleanup.js';
import { makeTemporaryDir } from './util/stale-leftovers.js';
import type { StageClock } from './util/stage-clock.js';
import { decodeVideo, type VideoInfo } from './video/index.js';

/** Frames a new object must be seen in before `--discover` gives it an id. */
const discoverBirthFrames = 3;
/** DINO's label propagation temperature (`eval_video_segmentation.py`). */
const propagationTemperature = 0.1;

/**
 * Free space the temporary cache needs on its disk, as a multiple of its size: twice it while
 * it is assembled (cache-writer.ts streams each tensor to a scratch file and copies them in
 * behind the header, which needs the frame count; a first-time user's trial: with 1.05 the run
 * passed the check and failed on a full disk after the whole model pass), and 5% over that for
 * the soft-label scratch of the backward pass (float16, a few labels a patch against the
 * cache's float32 tokens and attention, under 2% of it with up to 8 objects at D 384) and
 * whatever else writes there meanwhile.
 */
const temporaryDiskPeak = 2 * 1.05;

const temporaryDiskFix = 'set TMPDIR to a folder on a larger disk, or use a smaller --short-side';
const temporaryDiskFixes = { full: temporaryDiskFix, denied: 'set TMPDIR to a folder you can write to' };

/** A size as a person reads it: MiB under a GiB (a small cache read "0.0 GiB"). */
function formatBytes(bytes: number): string {
  return bytes < 2 ** 30 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/**
 * Refuses a temporary feature cache that the disk under `dir` cannot hold, before any of it
 * is written: found at the end of pass 1 instead, a full disk would stop the run after most
 * of its model time, with the advice for a full -o (the cache is in $TMPDIR).
 * @throws ExternalError naming what is needed, what is free, and where
 */
export async function checkTemporaryDisk(dir: string, bytesNeeded: number, frames: number): Promise<void> {
  const { bavail, bsize } = await statfs(dir);
  const free = bavail * bsize;
  const needed = bytesNeeded * temporaryDiskPeak;
  if (free >= needed) return;
  throw new ExternalError(`prompted mode keeps the model's features of all ${frames} frames on disk (${formatBytes(bytesNeeded)}; writing it needs ${formatBytes(needed)} free), but ${path.dirname(dir)} has ${formatBytes(free)} free; ${temporaryDiskFix}`);
}

/** A feature cache written for one prompted run, deleted by `remove` (and on Ctrl-C). */
export interface TemporaryCache {
  file: string;
  provider: string;
  remove(): Promise<void>;
}

/** Which frames the tracker sees: every `stride`-th, the last, and every prompted frame. */
export function getKeyFrames(context: TrackContext): KeyFrames {
  const prompted = new Set(context.prompt?.prompts.map((p) => p.frame));
  return { stride: context.stride, isRequired: (index) => prompted.has(index) };
}

/** Refuses a prompt past the last frame, one line naming the option. @throws UsageError */
export function checkPromptFrames(context: TrackContext, frames: number): void {
  for (const { frame, file } of context.prompt?.prompts ?? []) {
    if (frame < frames) continue;
    if (context.prompt?.option === '--init-mask') throw new UsageError(`Expected a frame index from 0 to ${frames - 1} for --init-frame but received ${frame} (the input has ${frames} frames)`);
    throw new UsageError(`--prompts ${file} names frame ${frame}, but the input has ${frames} frames (0-${frames - 1}); rename or remove it`);
  }
}

/**
 * Pass 1 for a video: runs the model on the key frames and writes every frame's features
 * (zeros for frames between keys, which no pass reads) to a temporary feature cache.
 * Float32, so a run on a video and on its `--save-features` cache give the same masks.
 */
export async function writeTemporaryCache(context: TrackContext, video: VideoInfo, keys: KeyFrames, clock: StageClock, onModel: (model: LoadedModel) => void): Promise<TemporaryCache> {
  const dir = await makeTemporaryDir('dino-track-features');
  const unregister = removeOnCleanup(dir);
  const remove = async (): Promise<void> => {
    await rm(dir, { recursive: true, force: true });
    unregister();
  };
  const file = path.join(dir, 'features.safetensors');
  let model: LoadedModel | undefined;
  try {
    model = await loadModel(context.model, video.width, video.height);
    onModel(model);
    const writer = nameWriteFailures(createFeatureCacheWriter(file, { patch_size: model.structure.patchSize, frame_width: video.width, frame_height: video.height, fps: video.fps, model: model.file }, 'F32'), `the temporary feature cache in ${path.dirname(dir)}`, temporaryDiskFixes);
    const decoder = decodeVideo({ video, modelWidth: model.inputWidth, modelHeight: model.inputHeight, keepFull: false, verbose: context.verbose });
    try {
      let written = 0;
      let blank: { clsAttention: Float32Array; patchTokens: Float32Array; heads: number; dim: number } | undefined;
      for await (const frame of inferFrames(decoder.frames, model, context.batch, keys, clock, context.model.notify)) {
        const { rows, cols } = model;
        if (frame.features && !blank) {
          const { heads, dim, clsAttention, patchTokens } = frame.features;
          await checkTemporaryDisk(dir, video.frameCount * (clsAttention.length + patchTokens.length) * Float32Array.BYTES_PER_ELEMENT, video.frameCount);
          blank = { heads, dim, clsAttention: new Float32Array(clsAttention.length), patchTokens: new Float32Array(patchTokens.length) };
        }
        // Frame 0 is always a key frame, so `blank` has its shapes before any frame between keys.
        const features = frame.features ?? { index: frame.index, rows, cols, ...(blank as NonNullable<typeof blank>) };
        await clock.timeAsync('save features', () => writer.write(features, frame.time));
        written++;
        context.onProgress?.(written, Math.max(video.frameCount, written), 'features');
      }
      await writer.finish();
    } catch (error) {
      decoder.stop();
      await writer.abort();
      throw error;
    }
    return { file, provider: model.session.provider, remove };
  } catch (error) {
    await remove();
    throw error;
  } finally {
    await model?.session.release();
  }
}

/** The prompted tracker over `cache` (its backward pass runs here, before the first frame is written). */
export async function buildPromptedTracker(context: TrackContext, cache: FeatureCache, keys: KeyFrames, size: { width: number; height: number }, similarity: SimilaritySession): Promise<Tracker> {
  const prompt = context.prompt as NonNullable<TrackContext['prompt']>;
  const last = cache.info.frames - 1;
  return createMultiPromptTracker({
    ...prompt, width: size.width, height: size.height, patchSize: cache.info.patchSize, temperature: propagationTemperature,
    similarity: similarity.similarity, threshold: context.tracker.threshold, maxObjects: context.tracker.maxObjects,
    discover: prompt.discover ? { birthFrames: discoverBirthFrames, maxObjects: context.tracker.maxObjects } : undefined,
    features: { frames: cache.info.frames, readFrame: (index) => cache.readFrame(index) },
    isKeyFrame: (index) => index % keys.stride === 0 || index === last || keys.isRequired(index),
    onBackward: (done, total) => context.onProgress?.(done, total, 'backward'),
  });
}
