import { ExternalError, InputError, UsageError } from './errors.js';
import { findVideoFormat, openOutputs, type Format, type OutputWriter, type OverlayMode } from './export/index.js';
import { createFeatureCacheWriter, nameWriteFailures, openFeatureCache, type CacheDtype, type FeatureCache, type FeatureCacheWriter } from './features/index.js';
import { discardInferenceWorker, loadModel, openSimilaritySession, startInferenceWorker, type LoadedModel, type LoadOptions, type SimilaritySession } from './model/index.js';
import { buildPromptedTracker, checkPromptFrames, getKeyFrames, writeTemporaryCache, type TemporaryCache } from './prompted-run.js';
import { inferFrames, readCachedFrames, type KeyFrames, type SourceFrame } from './source-frames.js';
import { checkMaskHeaders, createTracker, type BackfillFrame, type FrameResult, type PromptFrame, type Tracker, type TrackerOptions } from './track/index.js';
import { openRefiner, type Refiner } from './refine/index.js';
import { BoundedQueue } from './util/bounded-queue.js';
import { noteLostIfStdoutCloses } from './util/cleanup.js';
import { createStageClock } from './util/stage-clock.js';
import { askFfmpegVersion, decodeVideo, getVideoFingerprint, probeVideo, type Decoder, type VideoInfo } from './video/index.js';
import { createFrameWriter, getHeldKeyFrames } from './write-frames.js';

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
  /** Prompted mode: propagate the objects of annotated frames (`--init-mask` for one, `--prompts` for any number), backwards and forwards. */
  prompt?: {
    prompts: PromptFrame[];
    /** The option the PNGs came from, and how messages name them (`--prompts fixes/`). */
    option: '--init-mask' | '--prompts';
    source: string;
    contextFrames: number; radius: number; topK: number; propagation: 'reference' | 'improved'; discover: boolean;
  };
  batch: number;
  /** `guided`: masks follow the full-resolution frame's edges (needs the video); `none`: the patch masks upsampled. */
  refine?: 'none' | 'guided';
  /** Track every Nth frame (and the last); masks of the frames between are interpolated. */
  stride: number;
  verbose: boolean;
  /** Receives every frame instead of the outputs `output` and `formats` name (the library's frame iterator). */
  sink?: OutputWriter;
  /**
   * Called after each frame is written (`stage` absent), and in prompted runs also during the
   * passes before any frame can be written: `features` (the model over the video, into the
   * temporary cache) and `backward` (propagation from the last prompt back to frame 0, key frames).
   */
  onProgress?: (done: number, total: number, stage?: ProgressStage) => void;
  /** Called once the source is ready, with what was chosen (for --verbose). */
  onStart?: (info: { video?: VideoInfo; model?: LoadedModel; cache?: FeatureCache }) => void;
  /**
   * Awaited once every frame is written, before the outputs are put in place: a library
   * caller's async callbacks still under way, whose failure fails the run (nothing placed).
   */
  settleCallbacks?: () => Promise<void>;
}

/** A pass of a prompted run before frames are written (see `TrackContext.onProgress`). */
export type ProgressStage = 'features' | 'backward';

export interface TrackSummary {
  frames: number;
  /** Frames the tracker saw (the rest were interpolated, with --stride). */
  keyFrames: number;
  /** Distinct objects (track ids) seen in the frames written. */
  objects: number;
  /** What computed the features: onnxruntime's provider (`'cpu'`, `'cuda'`, `'webgpu'`), or `'feature cache'`. */
  source: string;
  /** Seconds from the start of the run to its end. */
  wallSeconds: number;
  /** Busy seconds per stage (they overlap). */
  stages: Record<string, number>;
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

/** The multi-object tracker (prompted runs build theirs in prompted-run.ts); it compares patches through `similarity`. */
function buildTracker(context: TrackContext, size: { width: number; height: number; fps: number }, similarity: SimilaritySession, refined: boolean): Tracker {
  return createTracker({
    ...context.tracker,
    // Every key frame goes through refinement, which replaces the labels the tracker would paint.
    labelsRefined: refined,
    // The tracker counts key frames: with --stride its clock runs slower.
    occlusionFrames: context.tracker.occlusionFrames === undefined ? undefined : Math.ceil(context.tracker.occlusionFrames / context.stride),
    width: size.width, height: size.height, fps: size.fps / context.stride, similarity: similarity.similarity,
  });
}

/** Refuses, before any work, what the probe or the cache header already shows to be wrong. */
function checkFrameCounts(context: TrackContext, video: VideoInfo | undefined, cache: FeatureCache | undefined): void {
  const exact = cache ? cache.info.frames : video && !video.frameCountIsEstimate ? video.frameCount : undefined;
  if (cache && video && !video.frameCountIsEstimate && video.frameCount !== cache.info.frames) {
    throw new InputError(`the video has ${video.frameCount} frames but the feature cache has ${cache.info.frames}; give the video the cache was made from`);
  }
  if (exact !== undefined) checkPromptFrames(context, exact);
}

/**
 * A new object's masks on the frames of its birth window, refined with those frames' pixels
 * in the refinement worker: they were painted from the patch grid after their frames were
 * refined, the blocky first masks of every object, which a user copying frame 0 as a
 * prompt would take for ground truth.
 */
async function refineBirth(refiner: Refiner, result: FrameResult, birth: BackfillFrame, image: Buffer): Promise<BackfillFrame> {
  const refined = await refiner.refine({ ...result, objects: [], soft: birth.soft }, image);
  return { index: birth.index, labels: refined.labels, score: birth.score };
}

/** The prompt PNGs' headers against the frame size, before any work (init-mask.ts checkMaskHeaders). */
async function checkPromptHeaders(prompt: NonNullable<TrackContext['prompt']>, width: number, height: number): Promise<void> {
  await checkMaskHeaders(prompt.prompts.map(({ file }) => file), width, height, prompt.option);
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
  // The tracker's similarity session opens (on this thread) while the probe runs and the
  // model's session opens in its worker: start-up is what a user waits for first.
  const similarityOpening = openSimilaritySession(1);
  similarityOpening.catch(() => undefined); // awaited below, where a failure is reported
  // ffmpeg's version (which option keeps frame times) is asked meanwhile too, not when the decoder starts.
  const ffmpegAsked = context.input ? askFfmpegVersion() : Promise.resolve();
  // So does the inference worker (its V8 and onnxruntime), wherever the model will run on the video.
  if (context.input && !context.features) startInferenceWorker();
  const refine = context.refine === 'guided';
  const needImages = findVideoFormat(context.formats) !== undefined || refine;
  let video: VideoInfo | undefined;
  let keys: KeyFrames | undefined;
  let cache: FeatureCache | undefined;
  let model: LoadedModel | undefined;
  let decoder: Decoder | undefined;
  let outputs: OutputWriter | undefined;
  let saver: FeatureCacheWriter | undefined;
  let unnoteSaver = (): void => undefined;
  let similarity: SimilaritySession | undefined;
  let tracker: Tracker | undefined;
  let refiner: Refiner | undefined;
  /** Prompted runs on a video: the features of pass 1, read again backwards and forwards. */
  let temporary: TemporaryCache | undefined;
  const queue = new BoundedQueue<SourceFrame>(Math.max(2, context.batch * 2));
  let frames = 0;
  let keyFrames = 0;
  let objects = 0;
  let produce: Promise<void> | undefined;
  /** Set when an id no output can hold stops the run: what was written until then is kept. */
  let stopped: { index: number; id: number } | undefined;
  try {
    video = context.input ? await probeVideo(context.input) : undefined;
    if (refine && !video) throw new UsageError('refinement needs the frames; give the input video, or refine none');
    // The refinement worker starts (its own V8 and modules: a tenth of a second of CPU) while the model loads, not after.
    if (refine) refiner = openRefiner();
    keys = getKeyFrames(context);
    if (context.prompt && !context.features && video) {
      checkFrameCounts(context, video, undefined);
      await checkPromptHeaders(context.prompt, video.width, video.height);
      await ffmpegAsked;
      temporary = await writeTemporaryCache(context, video, keys, clock, (loaded) => context.onStart?.({ video, model: loaded }));
      cache = await openFeatureCache(temporary.file);
    } else if (context.features) {
      cache = await openFeatureCache(context.features);
      const { info } = cache;
      if (context.prompt) await checkPromptHeaders(context.prompt, info.frameWidth, info.frameHeight);
      if (video && (video.width !== info.frameWidth || video.height !== info.frameHeight)) {
        throw new UsageError(`the video is ${video.width}x${video.height} (WxH) but the feature cache was made from ${info.frameWidth}x${info.frameHeight}; give the matching video`);
      }
      if (video && info.source && info.source !== await getVideoFingerprint(video.path)) {
        context.model.notify?.(`${context.features} was saved from another video file than ${video.path} (its size or first bytes differ): if it is not a copy of the same video, its masks will be drawn and refined on frames they do not belong to`);
      }
    } else if (!video) {
      throw new UsageError('give an input video, or a feature cache with --features');
    }
    // A temporary cache holds what was decoded, which is what counts (a probe's frame count can be off).
    checkFrameCounts(context, temporary ? undefined : video, cache);
    const size = cache
      ? { width: cache.info.frameWidth, height: cache.info.frameHeight, fps: cache.info.fps, total: cache.info.frames }
      : { width: (video as VideoInfo).width, height: (video as VideoInfo).height, fps: (video as VideoInfo).fps, total: (video as VideoInfo).frameCount };
    // Before the outputs: the overlay's encoder reads ffmpeg's version too, and would ask again, blocking.
    await ffmpegAsked;
    outputs = context.sink ?? await openOutputs({ target: context.output, formats: context.formats, video, fps: size.fps, overlayMode: context.overlayMode, overwrite: context.overwrite, verbose: context.verbose });
    let source: AsyncIterable<SourceFrame>;
    if (cache) {
      if (video && needImages) decoder = decodeVideo({ video, modelWidth: video.width, modelHeight: video.height, keepFull: false, verbose: context.verbose });
      source = readCachedFrames(cache, decoder, keys);
    } else {
      model = await loadModel(context.model, size.width, size.height);
      decoder = decodeVideo({ video: video as VideoInfo, modelWidth: model.inputWidth, modelHeight: model.inputHeight, keepFull: needImages, verbose: context.verbose });
      source = inferFrames(decoder.frames, model, context.batch, keys, clock, context.model.notify);
    }
    if (!temporary) context.onStart?.({ video, model, cache });
    const patchSize = model?.structure.patchSize ?? cache?.info.patchSize ?? 16;
    if (context.saveFeatures) {
      saver = nameWriteFailures(createFeatureCacheWriter(context.saveFeatures, {
        patch_size: patchSize, frame_width: size.width, frame_height: size.height, fps: size.fps, model: model?.file ?? cache?.info.model ?? 'unknown',
        ...(video ? { source: await getVideoFingerprint(video.path) } : cache?.info.source ? { source: cache.info.source } : {}),
      }, context.saveFeaturesDtype, context.overwrite), `--save-features ${context.saveFeatures}`, { full: 'free some space, or give --save-features a path on another disk', denied: 'give --save-features a path you can write to' });
      const saving = saver;
      if (context.output === '-') unnoteSaver = noteLostIfStdoutCloses({ text: `--save-features ${context.saveFeatures} was not written (it would hold part of the video)`, holds: () => !saving.placed });
    }
    similarity = await similarityOpening;
    tracker = context.prompt ? await buildPromptedTracker(context, cache as FeatureCache, keys, size, similarity) : buildTracker(context, size, similarity, refiner !== undefined);
    produce = fillQueue(source, queue);
    // Its failure also reaches the loop below through the queue; this only marks it handled meanwhile.
    produce.catch(() => undefined);
    const writer = createFrameWriter({ outputs, formats: context.formats, clock, lookBack: getHeldKeyFrames(tracker.lookBack ?? 0, size, context.stride), total: size.total, onProgress: context.onProgress, refineBirth: refine ? (result, birth, image) => refineBirth(refiner as Refiner, result, birth, image) : undefined });
    // Each key frame is refined in a worker while the next one is tracked: one frame in flight.
    type Refining = { result: Promise<FrameResult>; frame: SourceFrame; before: SourceFrame[] };
    const writeRefined = async ({ result, frame, before }: Refining): Promise<boolean> => writer.addKeyFrame(await clock.timeAsync('wait for refine', () => result), frame, before);
    let inFlight: Refining | undefined;
    let between: SourceFrame[] = [];
    for await (const frame of queue) {
      const { features, image } = frame;
      if (!features) {
        between.push(frame);
        continue;
      }
      keyFrames++;
      if (saver) await clock.timeAsync('save features', () => (saver as FeatureCacheWriter).write(features, frame.time));
      // The tracker left the labels to refinement, which needs the frame: every frame has it where refinement is on (needImages).
      if (refiner && !image) throw new Error(`internal: frame ${frame.index} has no picture to refine`);
      const tracked = await clock.timeAsync('track', () => (tracker as Tracker).update(features, image));
      const result = refiner && image ? refiner.refine(tracked, image) : Promise.resolve(tracked);
      result.catch(() => undefined); // awaited in turn; this only marks a failure handled meanwhile
      const previous = inFlight;
      // Held back for births until written: the picture and time only, not the model's output (a batch's buffer).
      inFlight = { result, frame: { index: frame.index, time: frame.time, image }, before: between };
      between = [];
      if (previous && !(await writeRefined(previous))) break;
    }
    if (!writer.stopped && inFlight) await writeRefined(inFlight);
    if (!writer.stopped) await writer.finish(await tracker.finish?.());
    ({ frames, stopped } = writer);
    objects = writer.objects;
    if (stopped) {
      decoder?.stop();
      queue.fail(new Error('stopped'));
      await produce.catch(() => undefined);
    } else {
      await produce;
    }
    if (frames === 0 && !stopped) throw new InputError(`${context.input ?? context.features} has no decodable video frames; check that the file is a complete video`);
    if (!stopped) checkPromptFrames(context, frames);
    if (stopped && frames === 0) throw idLimitError(stopped, context, 0);
    // A stopped run's cache would hold neither the frames written nor the video's (a review: it was
    // saved, then refused with that video); it goes with the stop, and the error says so.
    if (stopped) await saver?.abort();
    await context.settleCallbacks?.();
    // Each is finished whatever the other does: where a file appeared at --save-features while the
    // run worked, the cache goes beside it and the masks still go in place (a review: they were
    // discarded while the line said nothing was deleted); the first failure is then reported.
    const finished = await Promise.allSettled([stopped ? undefined : saver?.finish().then(unnoteSaver), clock.timeAsync('write', () => (outputs as OutputWriter).finish())]);
    const failed = finished.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed === finished[0] && finished[1].status === 'fulfilled' ? noteOutputsWritten(failed.reason, context) : failed.reason;
    // A container's count can be one frame off what decodes and still pass for exact (an MP4
    // cut one frame in keeps the frame before with an edit list): the last report is of the
    // frames written, so that a reader waiting for frame = total sees the run end.
    if (!stopped && frames !== size.total) {
      context.onProgress?.(frames, frames);
      // The library's callback may fail here too, after the outputs are placed: it is the run's error (it was dropped).
      await context.settleCallbacks?.();
    }
  } catch (error) {
    decoder?.stop();
    queue.fail(error);
    await produce?.catch(() => undefined);
    await Promise.allSettled([outputs?.abort(), saver?.abort()]);
    throw error;
  } finally {
    unnoteSaver();
    await discardInferenceWorker();
    await model?.session.release();
    similarity ??= await similarityOpening.catch(() => undefined);
    await similarity?.release();
    await refiner?.close();
    await tracker?.close?.();
    await cache?.close();
    await temporary?.remove();
  }
  if (stopped) throw idLimitError(stopped, context, frames);
  if (refiner) clock.add('refine', refiner.busySeconds());
  return { frames, keyFrames, objects, source: temporary?.provider ?? (model ? model.session.provider : 'feature cache'), wallSeconds: (performance.now() - started) / 1000, stages: clock.totals() };
}

/**
 * The cache failed where the outputs were put in place: the error says so, so that a user does
 * not take -o for half-written (a first-time user's trial: a full disk under --save-features
 * read as a failed run, and the rerun was refused for the masks it had written).
 */
function noteOutputsWritten(error: unknown, context: Pick<TrackContext, 'output' | 'sink'>): unknown {
  // trackFrames' sink wrote nothing: its caller had every frame.
  if (context.sink) return error;
  const written = context.output === '-' ? 'the ndjson on stdout was' : `-o ${context.output} was`;
  if (error instanceof UsageError) return new UsageError(`${error.message}; ${written} written in full`, { cause: error.cause });
  if (error instanceof ExternalError) return new ExternalError(`${error.message}; ${written} written in full`, { cause: error.cause });
  return error;
}

/** Ids are never reused, so a long video can outgrow the DAVIS PNG; the frames before it are kept. */
function idLimitError(stopped: { index: number; id: number }, context: Pick<TrackContext, 'output' | 'saveFeatures'>, written: number): InputError {
  const kept = written > 0 ? `frames 0-${written - 1} are written to ${context.output}` : 'nothing was written';
  const features = context.saveFeatures ? `; --save-features ${context.saveFeatures} was not written (it would hold part of the video)` : '';
  return new InputError(`stopped at frame ${stopped.index}: track id ${stopped.id} does not fit an 8-bit DAVIS PNG (ids are never reused); ${kept}${features}; to track on, leave davis out of --format (coco, ytvis, cvat, mot and ndjson hold any id)`);
}
