import { ExternalError, InputError } from './errors.js';
import type { FeatureCache } from './features/index.js';
import { getAttentionBytes, getFastBatchSize, webgpuAttentionBytes, writeNormalisedFrame_, type LoadedModel, type ModelOutputs } from './model/index.js';
import type { FrameFeatures } from './track/index.js';
import { describeNonFinite, findNonFinite } from './util/finite.js';
import { markKeyFrames } from './util/key-frames.js';
import type { StageClock } from './util/stage-clock.js';
import type { DecodedFrame, Decoder } from './video/index.js';

/** One frame on its way to the tracker: features (key frames only, with --stride), and the picture when decoded. */
export interface SourceFrame {
  index: number;
  /** Seconds: the decoded frame's timestamp, else `index / fps` of the feature cache. */
  time: number;
  features?: FrameFeatures;
  image?: Buffer;
}

/**
 * Decoded frames waiting for their batch (key frames and the frames between them, full-size
 * pictures too): past this a smaller batch goes, as the writer bounds what it holds back
 * (write-frames.ts). A batch waits for `--batch` key frames, and with `--stride` every frame
 * between them waited too (a review: --batch 64 --stride 30 held a 700-frame video whole).
 */
const pendingFramesBudgetBytes = 192 * 2 ** 20;

/** One batch handed to the model: its frames in order (key or not) and the model's answer to come. */
interface Batch {
  waiting: { frame: DecodedFrame; key: boolean }[];
  outputs?: Promise<ModelOutputs>;
}

/**
 * Decoded frames → batches of key frames → model → per-frame features; frames between keys pass through in order.
 * The next batch is handed to the model before this one's frames are given out, so the
 * model never waits for the consumer: while the main thread tracks and writes frame n
 * (tens of ms of synchronous work), the inference worker is already running frame n + 1.
 * At most two batches are in flight.
 * On WebGPU, batches grow to `requestedBatch` only as far as they stay fast (batch-limit.ts),
 * which the head count of the first answer tells: until then one frame a call, and `notify`
 * says so when the batch is smaller than asked. A graph that scales its activations per call
 * (an int8 dynamic quantization) runs one frame a call whatever `requestedBatch`, so that
 * masks never depend on `--batch`.
 */
export async function* inferFrames(frames: AsyncIterable<DecodedFrame>, model: LoadedModel, requestedBatch: number, keys: KeyFrames, clock: StageClock, notify?: (line: string) => void): AsyncGenerator<SourceFrame> {
  const { inputWidth: width, inputHeight: height, rows, cols } = model;
  const plane = 3 * width * height;
  const patches = rows * cols;
  const provider = model.session.provider;
  const oneFrameACall = model.structure?.scalesPerCall === true;
  if (oneFrameACall && requestedBatch > 1) {
    notify?.(`--batch ${requestedBatch}: ${model.file} is an int8 model that rounds each call's activations on one scale (dynamic quantization), so frames batched together would change each other's masks; running one frame a call (an fp32 or fp16 model batches)`);
  }
  let batchSize = provider === 'webgpu' || oneFrameACall ? 1 : requestedBatch;
  // Only WebGPU sizes its batches from the first answer; a one-frame-a-call model never grows them.
  let sized = batchSize === requestedBatch || oneFrameACall;
  /** Sets the batch size from the first answer's head count (WebGPU only). */
  const sizeBatches = (heads: number) => {
    sized = true;
    // Float16 graphs compute attention in half precision (prepare.ts).
    const bytesPerValue = model.structure?.elementType === 'float16' ? 2 : 4;
    batchSize = getFastBatchSize(requestedBatch, provider, heads, patches + 1, bytesPerValue);
    if (batchSize < requestedBatch) {
      const asked = getAttentionBytes(heads, patches + 1, bytesPerValue) * requestedBatch;
      notify?.(`--batch ${requestedBatch} at ${width}x${height} would give each WebGPU call ${(asked / 2 ** 20).toFixed(0)} MiB of attention products; onnxruntime's WebGPU ran several times slower, not faster, past about 160 MB (README: GPU), so each call is kept within ${webgpuAttentionBytes / 2 ** 20} MiB: using --batch ${batchSize}`);
    }
  };
  let pending: { frame: DecodedFrame; key: boolean }[] = [];
  let pendingKeys = 0;
  let pendingBytes = 0;
  let lastAnswer = 0;
  let spare: Float32Array[] = []; // inputs the model handed back: at most two batches are in flight
  /** Preprocesses the pending frames' key frames and hands them to the model (the answer is awaited later). */
  const start = (): Batch => {
    const waiting = pending;
    pending = [];
    pendingKeys = 0;
    pendingBytes = 0;
    const batch = waiting.filter((p) => p.key).map((p) => p.frame);
    if (batch.length === 0) return { waiting };
    // [B, 3, H, W]: the spent input of an earlier batch of this size when there is one (every value is written below).
    const input = spare.find((t) => t.length === batch.length * plane) ?? new Float32Array(batch.length * plane);
    spare = spare.filter((t) => t !== input);
    clock.time('preprocess', () => batch.forEach((frame, slot) => writeNormalisedFrame_(frame.model, input, slot, width, height)));
    // The model is busy from when it could start this batch (posted, and the previous one answered) to its answer.
    const posted = performance.now();
    const outputs = model.session.run(input, batch.length, height, width).finally(() => {
      const answered = performance.now();
      clock.add('model', (answered - Math.max(posted, lastAnswer)) / 1000);
      lastAnswer = answered;
    });
    // Awaited in order by emit(); this only marks a failure handled until then.
    outputs.catch(() => undefined);
    return { waiting, outputs };
  };
  async function* emit({ waiting, outputs }: Batch): AsyncGenerator<SourceFrame> {
    const out = outputs ? await outputs : undefined;
    if (out?.spentInput) spare.push(out.spentInput);
    if (out) checkPatchCount(out, waiting.filter((w) => w.key).length, rows, cols);
    if (out) checkModelOutput(out, waiting.filter((w) => w.key).map((w) => w.frame.index));
    // After the checks: a model refused for its outputs gets that error alone, not a batch notice first.
    if (out && !sized) sizeBatches(out.heads);
    let b = 0;
    for (const { frame, key } of waiting) {
      if (!key || !out) {
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
  let inFlight: Batch | undefined;
  const marked = markKeyFrames(frames, keys.stride, keys.isRequired)[Symbol.asyncIterator]();
  for (;;) {
    const next = await clock.timeAsync('decode', () => marked.next());
    if (next.done) break;
    pending.push({ frame: next.value.item, key: next.value.key });
    if (next.value.key) pendingKeys++;
    const { model: scaled, full } = next.value.item;
    pendingBytes += scaled.length + (full && full !== scaled ? full.length : 0);
    if (pendingKeys < batchSize && pendingBytes < pendingFramesBudgetBytes) continue;
    const started = start();
    if (inFlight) yield* emit(inFlight);
    inFlight = started;
  }
  const last = start();
  if (inFlight) yield* emit(inFlight);
  yield* emit(last);
}

/**
 * A model that gives more tokens than CLS and one per patch (DINOv2 with registers: 4 more,
 * after CLS) had every patch's features and attention taken from the wrong token, shifted by
 * the extra ones, and tracked without a word (a first-time user's trial): it is refused.
 * @param frames the batch's frames
 * @throws InputError saying how many extra tokens there are
 */
export function checkPatchCount(out: { clsAttention: Float32Array; patchTokens: Float32Array; heads: number; dim: number }, frames: number, rows: number, cols: number): void {
  const patches = rows * cols;
  const tokens = out.patchTokens.length / (frames * out.dim);
  const attended = out.clsAttention.length / (frames * out.heads);
  if (tokens === patches && attended === patches) return;
  const extra = Math.max(tokens, attended) - patches;
  const what = extra > 0 ? `${extra} token${extra === 1 ? '' : 's'} besides CLS and its ${cols}x${rows} patches (registers, as DINOv2 with registers has)` : `${-extra} token${extra === -1 ? '' : 's'} fewer than its ${cols}x${rows} patches`;
  throw new InputError(`the model gives ${what}, which dino-track cannot place on the frame; use a DINO ViT (models list) or one exported without extra tokens`);
}

/**
 * A model whose outputs hold NaN or infinity (a float16 graph overflowing, say) would erase
 * every object they touch without a word: the run stops at that batch instead.
 * @throws ExternalError naming the first frame of the batch
 */
export function checkModelOutput(out: { clsAttention: Float32Array; patchTokens: Float32Array }, indices: number[]): void {
  for (const [tensor, values] of [['attention', out.clsAttention], ['patch tokens', out.patchTokens]] as const) {
    const bad = findNonFinite(values);
    if (bad !== undefined) throw new ExternalError(`the model gave ${describeNonFinite(bad)} ${tensor} for frames ${indices[0]}-${indices[indices.length - 1]}; it overflowed or is damaged: try --precision fp32 or another --model`);
  }
}

/** Cached features, paired with decoded frames when the video is given too; with --stride only key frames keep theirs. */
export async function* readCachedFrames(cache: FeatureCache, decoder: Decoder | undefined, keys: KeyFrames): AsyncGenerator<SourceFrame> {
  const images = decoder?.frames[Symbol.asyncIterator]();
  const mismatch = (video: string): InputError => new InputError(`the video has ${video} frames than the feature cache (${cache.info.frames}); give the video the cache was made from`);
  for await (const { item: features, key } of markKeyFrames(cache.frames(), keys.stride, keys.isRequired)) {
    const image = images ? await images.next() : undefined;
    if (image?.done) throw mismatch('fewer');
    // The video's own time when it is given; else the time the cache recorded; index/fps only for caches without times.
    const time = image?.value.time ?? (await cache.readTime(features.index)) ?? features.index / cache.info.fps;
    yield { index: features.index, time, features: key ? features : undefined, image: image?.value.model };
  }
  if (images && !(await images.next()).done) throw mismatch('more');
}

/** Which frames the tracker sees: every `stride`-th, the last, and those it must see (the annotated frame). */
export interface KeyFrames {
  stride: number;
  isRequired: (index: number) => boolean;
}
