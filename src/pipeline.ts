import { InputError, UsageError } from './errors.js';
import { findVideoFormat, openOutputs, type Format, type OutputWriter, type OverlayMode } from './export/index.js';
import { createFeatureCacheWriter, openFeatureCache, type CacheDtype, type FeatureCache, type FeatureCacheWriter } from './features/index.js';
import { loadModel, openSimilaritySession, writeNormalisedFrame_, type LoadedModel, type LoadOptions, type SimilaritySession } from './model/index.js';
import { createPromptedTracker, createTracker, interpolateResults, readInitMask, type FrameFeatures, type FrameResult, type Tracker, type TrackerOptions } from './track/index.js';
import { BoundedQueue } from './util/bounded-queue.js';
import { markKeyFrames } from './util/key-frames.js';
import { createStageClock, type StageClock } from './util/stage-clock.js';
import { decodeVideo, probeVideo, type DecodedFrame, type Decoder, type VideoInfo } from './video/index.js';

/** Everything one `track` run needs, validated by the CLI before any work starts. */
export interface TrackContext {
  /** The input video; optional when `features` is given and no overlay is wanted. */
  input?: string;
  /** A feature cache to read instead of running the model. */
  features?: string;
  saveFeatures?: string;
  saveFeaturesDtype: CacheDtype;
  output: string;
  formats: Format[];
  overlayMode: OverlayMode;
  overwrite: boolean;
  model: LoadOptions;
  tracker: Omit<TrackerOptions, 'width' | 'height' | 'fps'>;
  /** Prompted mode: propagate the objects of an annotated frame (DAVIS protocol). */
  prompt?: { initMask: string; initFrame: number; contextFrames: number; radius: number; topK: number; propagation: 'reference' | 'improved'; discover: boolean };
  batch: number;
  /** Track every Nth frame (and the last); masks of the frames between are interpolated. */
  stride: number;
  verbose: boolean;
  /** Called after each frame is written. */
  onProgress?: (done: number, total: number) => void;
  /** Called once the source is ready, with what was chosen (for --verbose). */
  onStart?: (info: { video?: VideoInfo; model?: LoadedModel; cache?: FeatureCache }) => void;
}

export interface TrackSummary {
  frames: number;
  /** Frames the tracker saw (the rest were interpolated, with --stride). */
  keyFrames: number;
  source: string;
  wallSeconds: number;
  /** Busy seconds per stage (they overlap). */
  stages: Record<string, number>;
}

/** One frame on its way to the tracker: features (key frames only, with --stride), and the picture when decoded. */
interface SourceFrame {
  index: number;
  features?: FrameFeatures;
  image?: Buffer;
}

/** Decoded frames → batches of key frames → model → per-frame features; frames between keys pass through in order. */
async function* inferFrames(frames: AsyncIterable<DecodedFrame>, model: LoadedModel, batchSize: number, stride: number, clock: StageClock): AsyncGenerator<SourceFrame> {
  const { inputWidth: width, inputHeight: height, rows, cols } = model;
  const plane = 3 * width * height;
  const patches = rows * cols;
  let pending: { frame: DecodedFrame; key: boolean }[] = [];
  let keys = 0;
  async function* flush(): AsyncGenerator<SourceFrame> {
    const waiting = pending;
    pending = [];
    keys = 0;
    const batch = waiting.filter((p) => p.key).map((p) => p.frame);
    if (batch.length === 0) return;
    const input = new Float32Array(batch.length * plane); // [B, 3, H, W]
    clock.time('preprocess', () => batch.forEach((frame, slot) => writeNormalisedFrame_(frame.model, input, slot, width, height)));
    const out = await clock.timeAsync('model', () => model.session.run(input, batch.length, height, width));
    let b = 0;
    for (const { frame, key } of waiting) {
      if (!key) {
        yield { index: frame.index, image: frame.full };
        continue;
      }
      yield {
        index: frame.index,
        image: frame.full,
        features: {
          index: frame.index,
          rows,
          cols,
          heads: out.heads,
          dim: out.dim,
          clsAttention: out.clsAttention.subarray(b * out.heads * patches, (b + 1) * out.heads * patches), // [heads, h*w]
          patchTokens: out.patchTokens.subarray(b * patches * out.dim, (b + 1) * patches * out.dim), // [h*w, D]
        },
      };
      b++;
    }
  }
  const marked = markKeyFrames(frames, stride)[Symbol.asyncIterator]();
  for (;;) {
    const next = await clock.timeAsync('decode', () => marked.next());
    if (next.done) break;
    pending.push({ frame: next.value.item, key: next.value.key });
    if (next.value.key) keys++;
    if (keys >= batchSize) yield* flush();
  }
  yield* flush();
}

/** Cached features, paired with decoded frames when the video is given too; with --stride only key frames keep theirs. */
async function* readCachedFrames(cache: FeatureCache, decoder: Decoder | undefined, stride: number): AsyncGenerator<SourceFrame> {
  const images = decoder?.frames[Symbol.asyncIterator]();
  for await (const { item: features, key } of markKeyFrames(cache.frames(), stride)) {
    const image = images ? await images.next() : undefined;
    if (image?.done) throw new InputError(`the video has fewer frames than the feature cache (${features.index}); give the video the cache was made from`);
    yield { index: features.index, features: key ? features : undefined, image: image?.value.model };
  }
}

/** Moves a source into a bounded queue so the next frames are computed while earlier ones are written. */
async function fillQueue(source: AsyncIterable<SourceFrame>, queue: BoundedQueue<SourceFrame>): Promise<void> {
  try {
    for await (const frame of source) await queue.push(frame);
    queue.close();
  } catch (error) {
    queue.fail(error);
    throw error;
  }
}

/** The prompted tracker with --init-mask, else the multi-object one; both compare patches through `similarity`. */
async function buildTracker(context: TrackContext, size: { width: number; height: number; fps: number }, patchSize: number, similarity: SimilaritySession): Promise<Tracker> {
  if (context.prompt) {
    return createPromptedTracker({
      ...context.prompt, width: size.width, height: size.height, patchSize, temperature: 0.1, similarity: similarity.similarity,
      discover: context.prompt.discover ? { birthFrames: 3, maxObjects: context.tracker.maxObjects } : undefined,
      initLabels: await readInitMask(context.prompt.initMask, size.width, size.height),
    });
  }
  return createTracker({
    ...context.tracker,
    // The tracker counts key frames: with --stride its clock runs slower.
    occlusionFrames: context.tracker.occlusionFrames === undefined ? undefined : Math.ceil(context.tracker.occlusionFrames / context.stride),
    width: size.width, height: size.height, fps: size.fps / context.stride, similarity: similarity.similarity,
  });
}

/**
 * Runs one video (or feature cache) through model → tracker → writers. Decode, inference
 * and writing overlap; every queue between them is bounded, so memory does not grow with
 * the video's length. On any error every writer is aborted and nothing is left at `-o`.
 */
export async function runTrack(context: TrackContext): Promise<TrackSummary> {
  const started = performance.now();
  const clock = createStageClock();
  const video = context.input ? await probeVideo(context.input) : undefined;
  const needImages = findVideoFormat(context.formats) !== undefined;
  let cache: FeatureCache | undefined;
  let model: LoadedModel | undefined;
  let decoder: Decoder | undefined;
  let source: AsyncIterable<SourceFrame>;
  let size: { width: number; height: number; fps: number; total: number };
  if (context.features) {
    cache = await openFeatureCache(context.features);
    const { info } = cache;
    if (video && (video.width !== info.frameWidth || video.height !== info.frameHeight)) {
      throw new UsageError(`the video is ${video.width}x${video.height} but the feature cache was made from ${info.frameWidth}x${info.frameHeight}; give the matching video`);
    }
    if (video && needImages) decoder = decodeVideo({ video, modelWidth: video.width, modelHeight: video.height, keepFull: false, verbose: context.verbose });
    size = { width: info.frameWidth, height: info.frameHeight, fps: info.fps, total: info.frames };
    source = readCachedFrames(cache, decoder, context.stride);
  } else {
    if (!video) throw new UsageError('give an input video, or a feature cache with --features');
    model = await loadModel(context.model, video.width, video.height);
    decoder = decodeVideo({ video, modelWidth: model.inputWidth, modelHeight: model.inputHeight, keepFull: needImages, verbose: context.verbose });
    size = { width: video.width, height: video.height, fps: video.fps, total: video.frameCount };
    source = inferFrames(decoder.frames, model, context.batch, context.stride, clock);
  }
  context.onStart?.({ video, model, cache });

  let outputs: OutputWriter | undefined;
  let saver: FeatureCacheWriter | undefined;
  let similarity: SimilaritySession | undefined;
  const queue = new BoundedQueue<SourceFrame>(Math.max(2, context.batch * 2));
  let frames = 0;
  let keyFrames = 0;
  let produce: Promise<void> | undefined;
  try {
    outputs = await openOutputs({ target: context.output, formats: context.formats, video, fps: size.fps, overlayMode: context.overlayMode, overwrite: context.overwrite, verbose: context.verbose });
    const patchSize = model?.structure.patchSize ?? cache?.info.patchSize ?? 16;
    if (context.saveFeatures) {
      saver = createFeatureCacheWriter(context.saveFeatures, {
        patch_size: patchSize, frame_width: size.width, frame_height: size.height, fps: size.fps, model: model?.file ?? cache?.info.model ?? 'unknown',
      }, context.saveFeaturesDtype);
    }
    similarity = await openSimilaritySession(1);
    const tracker = await buildTracker(context, size, patchSize, similarity);
    produce = fillQueue(source, queue);
    // Its failure also reaches the loop below through the queue; this only marks it handled meanwhile.
    produce.catch(() => undefined);
    const write = async (result: FrameResult, image: Buffer | undefined): Promise<void> => {
      await clock.timeAsync('write', () => (outputs as OutputWriter).write(result, image));
      frames++;
      context.onProgress?.(frames, Math.max(size.total, frames));
    };
    // With --stride, frames between two key frames wait for the second key, then get interpolated masks.
    let lastKey: FrameResult | undefined;
    let between: SourceFrame[] = [];
    for await (const frame of queue) {
      const { features, image } = frame;
      if (!features) {
        between.push(frame);
        continue;
      }
      keyFrames++;
      if (saver) await clock.timeAsync('save features', () => (saver as FeatureCacheWriter).write(features));
      const result = await clock.timeAsync('track', () => tracker.update(features, image));
      for (const skipped of between) {
        const previous = lastKey as FrameResult;
        const t = (skipped.index - previous.index) / (result.index - previous.index);
        await write(clock.time('interpolate', () => interpolateResults(previous, result, t, skipped.index)), skipped.image);
      }
      between = [];
      await write(result, image);
      lastKey = result;
    }
    await produce;
    if (frames === 0) throw new InputError(`${context.input ?? context.features} has no decodable video frames; check that the file is a complete video`);
    await saver?.finish();
    await clock.timeAsync('write', () => (outputs as OutputWriter).finish());
  } catch (error) {
    decoder?.stop();
    queue.fail(error);
    await produce?.catch(() => undefined);
    await Promise.allSettled([outputs?.abort(), saver?.abort()]);
    throw error;
  } finally {
    await model?.session.release();
    await similarity?.release();
    await cache?.close();
  }
  return { frames, keyFrames, source: model ? model.session.provider : 'feature cache', wallSeconds: (performance.now() - started) / 1000, stages: clock.totals() };
}
