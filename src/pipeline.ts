import { InputError, UsageError } from './errors.js';
import { openOutputs, type Format, type OutputWriter, type OverlayMode } from './export/index.js';
import { createFeatureCacheWriter, openFeatureCache, type CacheDtype, type FeatureCache, type FeatureCacheWriter } from './features/index.js';
import { loadModel, openSimilaritySession, writeNormalisedFrame_, type LoadedModel, type LoadOptions, type SimilaritySession } from './model/index.js';
import { createPromptedTracker, createTracker, interpolateResults, readInitMask, type FrameFeatures, type FrameResult, type Tracker, type TrackerOptions } from './track/index.js';
import { refineFrame } from './refine/index.js';
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
  /** `guided`: masks follow the full-resolution frame's edges (needs the video); `none`: the patch masks upsampled. */
  refine?: 'none' | 'guided';
  /** Track every Nth frame (and the last); masks of the frames between are interpolated. */
  stride: number;
  verbose: boolean;
  /** Receives every frame instead of the outputs `output` and `formats` name (the library's frame iterator). */
  sink?: OutputWriter;
  /** Called after each frame is written. */
  onProgress?: (done: number, total: number) => void;
  /** Called once the source is ready, with what was chosen (for --verbose). */
  onStart?: (info: { video?: VideoInfo; model?: LoadedModel; cache?: FeatureCache }) => void;
}

export interface TrackSummary {
  frames: number;
  /** Frames the tracker saw (the rest were interpolated, with --stride). */
  keyFrames: number;
  /** Distinct objects (track ids) seen in the frames written. */
  objects: number;
  source: string;
  wallSeconds: number;
  /** Busy seconds per stage (they overlap). */
  stages: Record<string, number>;
}

/** One frame on its way to the tracker: features (key frames only, with --stride), and the picture when decoded. */
interface SourceFrame {
  index: number;
  /** Seconds: the decoded frame's timestamp, else `index / fps` of the feature cache. */
  time: number;
  features?: FrameFeatures;
  image?: Buffer;
}

/** Decoded frames → batches of key frames → model → per-frame features; frames between keys pass through in order. */
async function* inferFrames(frames: AsyncIterable<DecodedFrame>, model: LoadedModel, batchSize: number, keys: KeyFrames, clock: StageClock): AsyncGenerator<SourceFrame> {
  const { inputWidth: width, inputHeight: height, rows, cols } = model;
  const plane = 3 * width * height;
  const patches = rows * cols;
  let pending: { frame: DecodedFrame; key: boolean }[] = [];
  let pendingKeys = 0;
  async function* flush(): AsyncGenerator<SourceFrame> {
    const waiting = pending;
    pending = [];
    pendingKeys = 0;
    const batch = waiting.filter((p) => p.key).map((p) => p.frame);
    if (batch.length === 0) return;
    const input = new Float32Array(batch.length * plane); // [B, 3, H, W]
    clock.time('preprocess', () => batch.forEach((frame, slot) => writeNormalisedFrame_(frame.model, input, slot, width, height)));
    const out = await clock.timeAsync('model', () => model.session.run(input, batch.length, height, width));
    let b = 0;
    for (const { frame, key } of waiting) {
      if (!key) {
        yield { index: frame.index, time: frame.time, image: frame.full };
        continue;
      }
      yield {
        index: frame.index,
        time: frame.time,
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
  const marked = markKeyFrames(frames, keys.stride, keys.isRequired)[Symbol.asyncIterator]();
  for (;;) {
    const next = await clock.timeAsync('decode', () => marked.next());
    if (next.done) break;
    pending.push({ frame: next.value.item, key: next.value.key });
    if (next.value.key) pendingKeys++;
    if (pendingKeys >= batchSize) yield* flush();
  }
  yield* flush();
}

/** Cached features, paired with decoded frames when the video is given too; with --stride only key frames keep theirs. */
async function* readCachedFrames(cache: FeatureCache, decoder: Decoder | undefined, keys: KeyFrames): AsyncGenerator<SourceFrame> {
  const images = decoder?.frames[Symbol.asyncIterator]();
  const mismatch = (video: string): InputError => new InputError(`the video has ${video} frames than the feature cache (${cache.info.frames}); give the video the cache was made from`);
  for await (const { item: features, key } of markKeyFrames(cache.frames(), keys.stride, keys.isRequired)) {
    const image = images ? await images.next() : undefined;
    if (image?.done) throw mismatch('fewer');
    yield { index: features.index, time: image?.value.time ?? features.index / cache.info.fps, features: key ? features : undefined, image: image?.value.model };
  }
  if (images && !(await images.next()).done) throw mismatch('more');
}

/** Which frames the tracker sees: every `stride`-th, the last, and those it must see (the annotated frame). */
interface KeyFrames {
  stride: number;
  isRequired: (index: number) => boolean;
}

function getKeyFrames(context: TrackContext): KeyFrames {
  const initFrame = context.prompt?.initFrame;
  return { stride: context.stride, isRequired: (index) => index === initFrame };
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
    const initLabels = await readInitMask(context.prompt.initMask, size.width, size.height);
    const annotated = new Set(initLabels).size - (initLabels.includes(0) ? 1 : 0);
    if (annotated > context.tracker.maxObjects) {
      throw new UsageError(`--init-mask ${context.prompt.initMask} marks ${annotated} objects, more than --max-objects ${context.tracker.maxObjects}; raise --max-objects`);
    }
    return createPromptedTracker({
      ...context.prompt, width: size.width, height: size.height, patchSize, temperature: 0.1, similarity: similarity.similarity, threshold: context.tracker.threshold,
      discover: context.prompt.discover ? { birthFrames: 3, maxObjects: context.tracker.maxObjects } : undefined,
      initLabels,
    });
  }
  return createTracker({
    ...context.tracker,
    // The tracker counts key frames: with --stride its clock runs slower.
    occlusionFrames: context.tracker.occlusionFrames === undefined ? undefined : Math.ceil(context.tracker.occlusionFrames / context.stride),
    width: size.width, height: size.height, fps: size.fps / context.stride, similarity: similarity.similarity,
  });
}

/** The largest id an 8-bit DAVIS PNG can hold. */
const davisMaxId = 255;

/** Refuses, before any work, what the probe or the cache header already shows to be wrong. */
function checkFrameCounts(context: TrackContext, video: VideoInfo | undefined, cache: FeatureCache | undefined): void {
  const exact = cache ? cache.info.frames : video && !video.frameCountIsEstimate ? video.frameCount : undefined;
  if (cache && video && !video.frameCountIsEstimate && video.frameCount !== cache.info.frames) {
    throw new InputError(`the video has ${video.frameCount} frames but the feature cache has ${cache.info.frames}; give the video the cache was made from`);
  }
  const initFrame = context.prompt?.initFrame;
  if (initFrame !== undefined && exact !== undefined && initFrame >= exact) {
    throw new UsageError(`Expected a frame index from 0 to ${exact - 1} for --init-frame but received ${initFrame} (the input has ${exact} frames)`);
  }
}

/** The first id in a frame that an output cannot hold, if any. */
function findUnwritableId(result: FrameResult, formats: Format[]): number | undefined {
  if (!formats.includes('davis')) return undefined;
  return result.objects.find((o) => o.id > davisMaxId)?.id;
}

/**
 * Runs one video (or feature cache) through model → tracker → writers. Decode, inference
 * and writing overlap; every queue between them is bounded, so memory does not grow with
 * the video's length. On any error every writer is aborted and nothing is left at `-o`.
 * Outputs are opened before the model loads, so a target that cannot be written fails first.
 */
export async function runTrack(context: TrackContext): Promise<TrackSummary> {
  const started = performance.now();
  const clock = createStageClock();
  const video = context.input ? await probeVideo(context.input) : undefined;
  const refine = context.refine === 'guided';
  if (refine && !video) throw new UsageError('refinement needs the frames; give the input video, or refine none');
  const needImages = context.formats.includes('overlay') || refine;
  const keys = getKeyFrames(context);
  let cache: FeatureCache | undefined;
  let model: LoadedModel | undefined;
  let decoder: Decoder | undefined;
  let outputs: OutputWriter | undefined;
  let saver: FeatureCacheWriter | undefined;
  let similarity: SimilaritySession | undefined;
  const queue = new BoundedQueue<SourceFrame>(Math.max(2, context.batch * 2));
  let frames = 0;
  let keyFrames = 0;
  const objectIds = new Set<number>();
  let produce: Promise<void> | undefined;
  /** Set when an id no output can hold stops the run: what was written until then is kept. */
  let stopped: { index: number; id: number } | undefined;
  try {
    if (context.features) {
      cache = await openFeatureCache(context.features);
      const { info } = cache;
      if (video && (video.width !== info.frameWidth || video.height !== info.frameHeight)) {
        throw new UsageError(`the video is ${video.width}x${video.height} (WxH) but the feature cache was made from ${info.frameWidth}x${info.frameHeight}; give the matching video`);
      }
    } else if (!video) {
      throw new UsageError('give an input video, or a feature cache with --features');
    }
    checkFrameCounts(context, video, cache);
    const size = cache
      ? { width: cache.info.frameWidth, height: cache.info.frameHeight, fps: cache.info.fps, total: cache.info.frames }
      : { width: (video as VideoInfo).width, height: (video as VideoInfo).height, fps: (video as VideoInfo).fps, total: (video as VideoInfo).frameCount };
    outputs = context.sink ?? await openOutputs({ target: context.output, formats: context.formats, video, fps: size.fps, overlayMode: context.overlayMode, overwrite: context.overwrite, verbose: context.verbose });
    let source: AsyncIterable<SourceFrame>;
    if (cache) {
      if (video && needImages) decoder = decodeVideo({ video, modelWidth: video.width, modelHeight: video.height, keepFull: false, verbose: context.verbose });
      source = readCachedFrames(cache, decoder, keys);
    } else {
      model = await loadModel(context.model, size.width, size.height);
      decoder = decodeVideo({ video: video as VideoInfo, modelWidth: model.inputWidth, modelHeight: model.inputHeight, keepFull: needImages, verbose: context.verbose });
      source = inferFrames(decoder.frames, model, context.batch, keys, clock);
    }
    context.onStart?.({ video, model, cache });
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
    /** Writes one frame; false when an id no output can hold stops the run here. */
    const write = async (result: FrameResult, { image, time }: SourceFrame): Promise<boolean> => {
      result.time = time;
      const id = findUnwritableId(result, context.formats);
      if (id !== undefined) {
        stopped = { index: result.index, id };
        return false;
      }
      await clock.timeAsync('write', () => (outputs as OutputWriter).write(result, image));
      for (const object of result.objects) if (!object.occluded) objectIds.add(object.id);
      frames++;
      context.onProgress?.(frames, Math.max(size.total, frames));
      return true;
    };
    // With --stride, frames between two key frames wait for the second key, then get interpolated masks.
    let lastKey: FrameResult | undefined;
    let between: SourceFrame[] = [];
    frameLoop: for await (const frame of queue) {
      const { features, image } = frame;
      if (!features) {
        between.push(frame);
        continue;
      }
      keyFrames++;
      if (saver) await clock.timeAsync('save features', () => (saver as FeatureCacheWriter).write(features));
      const tracked = await clock.timeAsync('track', () => tracker.update(features, image));
      const result = refine && image ? clock.time('refine', () => refineFrame(tracked, image)) : tracked;
      for (const skipped of between) {
        const previous = lastKey as FrameResult;
        const t = (skipped.index - previous.index) / (result.index - previous.index);
        if (!(await write(clock.time('interpolate', () => interpolateResults(previous, result, t, skipped.index)), skipped))) break frameLoop;
      }
      between = [];
      if (!(await write(result, frame))) break;
      lastKey = result;
    }
    if (stopped) {
      decoder?.stop();
      queue.fail(new Error('stopped'));
      await produce.catch(() => undefined);
    } else {
      await produce;
    }
    if (frames === 0 && !stopped) throw new InputError(`${context.input ?? context.features} has no decodable video frames; check that the file is a complete video`);
    const initFrame = context.prompt?.initFrame;
    if (initFrame !== undefined && initFrame >= frames && !stopped) {
      throw new UsageError(`Expected a frame index from 0 to ${frames - 1} for --init-frame but received ${initFrame} (the input has ${frames} frames)`);
    }
    if (stopped && frames === 0) throw idLimitError(stopped, context.output, 0);
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
  if (stopped) throw idLimitError(stopped, context.output, frames);
  return { frames, keyFrames, objects: objectIds.size, source: model ? model.session.provider : 'feature cache', wallSeconds: (performance.now() - started) / 1000, stages: clock.totals() };
}

/** Ids are never reused, so a long video can outgrow the DAVIS PNG; the frames before it are kept. */
function idLimitError(stopped: { index: number; id: number }, output: string, written: number): InputError {
  const kept = written > 0 ? `frames 0-${written - 1} are written to ${output}` : 'nothing was written';
  return new InputError(`stopped at frame ${stopped.index}: track id ${stopped.id} does not fit an 8-bit DAVIS PNG (ids are never reused); ${kept}; to track on, leave davis out of --format (coco, mot and ndjson hold any id)`);
}
