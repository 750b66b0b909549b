/**
 * dino-track as a library: the `track` command's options, typed, for Node pipelines.
 *
 *   import { track, trackFrames } from 'dino-track';
 *   await track({ input: 'in.mp4', output: 'out/', format: ['davis', 'coco'] });
 *   for await (const frame of trackFrames({ input: 'in.mp4' })) console.log(frame.index, frame.objects);
 *
 * Options are checked exactly as the command line checks them (the same messages, with the
 * options called by their names here, the same `UsageError`), because they are handed to
 * the same validation as strings, after their names and types are checked (a misspelt
 * option is refused, not ignored).
 */
import { getStartNotices } from './cli/start-notices.js';
import { normalizeTrackOptions, type RawTrackOptions, type TrackOptions as CheckedOptions } from './cli/track-options.js';
import type { Format, OverlayMode } from './export/index.js';
import { checkLibraryOptions, checkPrepareArguments, getGivenPaths, inLibraryWords, rewordError, toLibraryWording } from './library-options.js';
import { prepareModelFile } from './cli/models-command.js';
import { type Device } from './model/index.js';
import type { PrecisionChoice } from './model/registry.js';
import { runTrack, type ProgressStage, type TrackContext, type TrackSummary } from './pipeline.js';
import type { FrameResult } from './track/index.js';
import { BoundedQueue } from './util/bounded-queue.js';
import { openFeatureCache as openCache, type FeatureCache } from './features/index.js';
import { InputError, UsageError } from './errors.js';

export type { FeatureCache, FeatureCacheInfo } from './features/index.js';
export { ExternalError, InputError, InterruptedError, UsageError } from './errors.js';
export type { FrameResult, TrackedObject } from './track/index.js';
export type { ProgressStage, TrackSummary } from './pipeline.js';
export type { Format, OverlayMode, Device, PrecisionChoice };

/** The `track` command's options; each is optional as on the command line, with the same defaults. */
export interface TrackOptions {
  /** The input video (optional with `features` and mask formats). */
  input?: string;
  /** `-o`: a video file for the overlay, or a folder for mask formats (`track` only). */
  output?: string;
  /** One format or several (`'davis'` or `['davis', 'coco']`). */
  format?: Format | Format[];
  features?: string;
  /** A feature cache of the whole video; `trackFrames()` writes it only when its loop reads every frame (leaving early says so to `onNotice`). */
  saveFeatures?: string;
  featuresDtype?: 'f32' | 'f16';
  model?: string;
  /** Which of a registry model's files: `auto` (fp32), `fp32`, `fp16`, `int8`; not for a model file. */
  precision?: PrecisionChoice;
  device?: Device;
  threshold?: number;
  maxObjects?: number;
  occlusionFrames?: number;
  shortSide?: number;
  batch?: number;
  stride?: number;
  threads?: number;
  overlay?: OverlayMode;
  initMask?: string;
  initFrame?: number;
  /** A folder of prompt PNGs named by frame index (`00042.png`). */
  prompts?: string;
  contextFrames?: number;
  window?: number;
  topK?: number;
  propagation?: 'improved' | 'reference';
  discover?: boolean;
  /** Pixel refinement of mask edges (default `auto`: whenever the video is decoded). */
  refine?: 'auto' | 'none' | 'guided';
  overwrite?: boolean;
  verbose?: boolean;
  /**
   * Called after each frame is tracked: frames done, frames expected (each frame is written, or
   * yielded, up to a second of video later, once no new object can be painted into it). Prompted runs
   * also report their earlier passes, with `stage` `features` (the model over the video) or
   * `backward` (key frames propagated back from the last prompt).
   */
  /** An async one is not awaited frame by frame, but before the outputs are placed; if it throws or rejects, the run fails with its error, nothing put in place. */
  onProgress?: (done: number, total: number, stage?: ProgressStage) => void | Promise<void>;
  /**
   * Called with each notice the command prints to stderr (not errors): a prompt read in a
   * doubtful way, a feature cache used without its frames, a model waiting for another run's
   * download, a cache that cannot keep the prepared model; with `verbose`, also what the run
   * runs on. Without it, notices are dropped.
   */
  onNotice?: (line: string) => void | Promise<void>;
  /**
   * Stops the run when aborted (an `AbortController`'s signal): at the next frame of any pass,
   * or at once during a model download (kept for a resume) or the wait for another run's, its
   * partial outputs and temporary files removed; the call rejects with the signal's reason.
   * A prompted `trackFrames()` runs the model over the whole video and propagates back before
   * its first frame, and leaving its loop waits for that: this stops it at once.
   */
  signal?: AbortSignal;
}

/** The options as the command line would hand them over: strings, absent when not given. */
function toRawOptions(options: TrackOptions): RawTrackOptions {
  const text = (value: number | string | undefined): string | undefined => (value === undefined ? undefined : String(value));
  return {
    output: options.output, format: typeof options.format === 'string' ? options.format : options.format?.join(','), features: options.features, saveFeatures: options.saveFeatures,
    featuresDtype: options.featuresDtype, model: options.model, precision: options.precision, device: options.device, threshold: text(options.threshold),
    maxObjects: text(options.maxObjects), occlusionFrames: text(options.occlusionFrames), shortSide: text(options.shortSide),
    batch: text(options.batch), stride: text(options.stride), threads: text(options.threads), overlay: options.overlay,
    initMask: options.initMask, initFrame: text(options.initFrame), prompts: options.prompts, contextFrames: text(options.contextFrames), window: text(options.window),
    topK: text(options.topK), propagation: options.propagation, discover: options.discover, refine: options.refine, overwrite: options.overwrite,
    verbose: options.verbose, progress: 'none',
  };
}

/**
 * Opens a feature cache (a `.safetensors` file or a folder of shards) to read its frames;
 * errors name the path as this function's argument, not `--features`.
 */
export async function openFeatureCache(file: string): Promise<FeatureCache> {
  try {
    return await openCache(file);
  } catch (error) {
    if (error instanceof InputError) error.message = error.message.replace(/; check --features$/, '; check the path');
    throw rewordError(error, [file, ...getGivenPaths({ file })]);
  }
}

/** Whether a track() of this process is writing to stdout (output '-'): one may at a time. */
let stdoutTaken = false;

/**
 * Tracks a video (or feature cache) into the outputs `output` and `format` name, as
 * `dino-track track` does. @throws UsageError for bad options, InputError/ExternalError otherwise
 */
export async function track(options: TrackOptions): Promise<TrackSummary> {
  return inLibraryWords(async () => {
    checkLibraryOptions(options, 'track');
    const context = normalizeTrackOptions(options.input, toRawOptions(options));
    if (context.output !== '-') return runTrack(withCallbacks(context, options));
    // Two runs writing ndjson to stdout at once interleaved their lines (a second trial).
    if (stdoutTaken) throw new UsageError("another track() in this process is writing to stdout (output '-'); await it first, or use trackFrames() to have the frames");
    stdoutTaken = true;
    try {
      return await runTrack(withCallbacks(context, options));
    } finally {
      stdoutTaken = false;
    }
  }, getGivenPaths(options));
}

/**
 * A caller's callbacks as the pipeline calls them: synchronously, an async one not awaited but
 * its promise kept. Its rejection was unhandled: it crashed the host process and left the run's
 * temporary folder (a second trial). Now it is kept and fails the run at the next frame, or
 * before the outputs are put in place (`settle`), cleaning up as any failure does.
 */
function createCallbackGuard(): { call<A extends unknown[]>(callback: ((...args: A) => unknown) | undefined, ...args: A): void; check(): void; settle(): Promise<void> } {
  let failure: { error: unknown } | undefined;
  const pending = new Set<Promise<void>>();
  const check = (): void => {
    if (failure) throw failure.error;
  };
  return {
    call(callback, ...args) {
      let result: unknown;
      try {
        result = callback?.(...args);
      } catch (error) {
        // Thrown where the pipeline called it, it could land in a worker's message handler and crash the process (a third trial).
        failure ??= { error };
        return;
      }
      if (typeof (result as PromiseLike<unknown> | undefined)?.then !== 'function') return;
      const settled: Promise<void> = Promise.resolve(result).then(
        () => void pending.delete(settled),
        (error: unknown) => {
          failure ??= { error };
          pending.delete(settled);
        },
      );
      pending.add(settled);
    },
    check,
    async settle() {
      await Promise.all(pending);
      check();
    },
  };
}

/**
 * What the library adds to a run: its notices handed to `onNotice` (those of its options now,
 * the model's as they come, those of its start), progress to `onProgress`, and `signal` checked
 * at each frame of every pass (a throw there stops the run as any failure does, cleaning up).
 */
function withCallbacks(context: CheckedOptions, options: TrackOptions): TrackContext {
  const { onProgress, signal } = options;
  // The notices are the command's lines: in the library's words, as its errors are (a trial: "--refine none").
  const paths = getGivenPaths(options);
  const given = options.onNotice;
  const onNotice = given && ((line: string) => given(toLibraryWording(line, paths)));
  const guard = createCallbackGuard();
  signal?.throwIfAborted();
  // A model download (or the wait for another run's) stops with it too.
  context.model.signal = signal;
  if (onNotice) context.model.notify = (line) => guard.call(onNotice, line);
  return {
    ...context,
    onStart: (start) => {
      signal?.throwIfAborted();
      guard.check();
      if (onNotice) for (const line of getStartNotices(start, context, options.refine !== undefined)) guard.call(onNotice, line);
    },
    onProgress: (done, total, stage) => {
      signal?.throwIfAborted();
      guard.check();
      guard.call(onProgress, done, total, stage);
    },
    settleCallbacks: () => guard.settle(),
  };
}

/**
 * Tracks a video (or feature cache) and yields each frame's result (label map, objects)
 * instead of writing files. Frames are computed as they are consumed: a slow consumer
 * holds the pipeline back, and leaving the loop early stops it.
 */
export async function* trackFrames(options: Omit<TrackOptions, 'output' | 'format' | 'overlay'>): AsyncGenerator<FrameResult> {
  let context: CheckedOptions;
  try {
    checkLibraryOptions(options, 'trackFrames');
    // Validated as a run that writes ndjson to stdout (no target to check), then given a sink instead.
    context = normalizeTrackOptions(options.input, { ...toRawOptions(options), output: '-', format: 'ndjson' });
  } catch (error) {
    throw rewordError(error, getGivenPaths(options));
  }
  const results = new BoundedQueue<FrameResult>(2);
  // Whether the run finished (its cache placed): a loop left in its last frames may leave after that.
  let finished = false;
  // A failure after the last frame (the saveFeatures cache, placed after the sink finished) comes
  // when the queue is closed already: kept here, it is thrown once the loop is read to the end (it was lost: a review).
  let failure: { error: unknown } | undefined;
  const run = runTrack({
    ...withCallbacks(context, options),
    sink: { write: (result) => results.push(result), finish: async () => results.close(), abort: async () => undefined },
  }).then(
    () => void (finished = true),
    (error: unknown) => {
      failure = { error };
      results.fail(error);
    },
  );
  let outcome: 'read to the end' | 'failed' | 'left early' = 'left early';
  try {
    for (let result = await results.shift(); result; result = await results.shift()) yield result;
    await run;
    if (failure) throw failure.error;
    outcome = 'read to the end';
  } catch (error) {
    outcome = 'failed';
    throw rewordError(error, getGivenPaths(options));
  } finally {
    // A consumer that stops early ends the run: the pipeline's next write fails and it cleans up.
    results.fail(new Error('the consumer stopped reading frames'));
    await run;
    // Its feature cache goes with it, which went unsaid (a second trial).
    if (outcome === 'left early' && !finished && options.saveFeatures) {
      const { onNotice } = options;
      // The consumer is leaving its loop: a notice sink that fails must not throw into it.
      await Promise.resolve()
        .then(() => onNotice?.(`saveFeatures ${options.saveFeatures} was not written: the loop left before the last frame, and the cache would hold part of the video`))
        .catch(() => undefined);
    }
  }
}

/**
 * Prepares an ONNX ViT for one input size (`dino-track models prepare`): adds the
 * `cls_attn` and `patch_tokens` outputs and resizes the position embeddings. Checked as the
 * command checks it: `output` (when given) must not be the model itself or a folder, and
 * replaces an existing file only with `overwrite`.
 * @returns the prepared model's bytes (also written to `output` when given)
 * @throws UsageError for a bad size or output, InputError for a missing or unreadable model
 */
export async function prepareModel(file: string, size: { width: number; height: number }, output?: string, options: { overwrite?: boolean } = {}): Promise<Uint8Array> {
  checkPrepareArguments(file, size, output, options);
  const format = (height: number, width: number): string => `{ width: ${width}, height: ${height} }`;
  return inLibraryWords(() => prepareModelFile(file, size, output, options.overwrite ?? false, { name: 'size', shown: format(size.height, size.width), format }), getGivenPaths({ file, output }));
}
