import { InputError } from './errors.js';
import type { FeatureCache } from './features/index.js';
import { writeNormalisedFrame_, type LoadedModel } from './model/index.js';
import type { FrameFeatures } from './track/index.js';
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

/** Decoded frames → batches of key frames → model → per-frame features; frames between keys pass through in order. */
export async function* inferFrames(frames: AsyncIterable<DecodedFrame>, model: LoadedModel, batchSize: number, keys: KeyFrames, clock: StageClock): AsyncGenerator<SourceFrame> {
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
export async function* readCachedFrames(cache: FeatureCache, decoder: Decoder | undefined, keys: KeyFrames): AsyncGenerator<SourceFrame> {
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
export interface KeyFrames {
  stride: number;
  isRequired: (index: number) => boolean;
}
