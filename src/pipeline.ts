import { InputError } from './errors.js';
import { createOverlayWriter, type OutputWriter } from './export/index.js';
import { loadModel, writeNormalisedFrame_, type LoadedModel, type LoadOptions } from './model/index.js';
import { createTracker, type FrameFeatures } from './track/index.js';
import { BoundedQueue } from './util/bounded-queue.js';
import { decodeVideo, probeVideo, type DecodedFrame, type VideoInfo } from './video/index.js';

/** Everything one `track` run needs, validated by the CLI before any work starts. */
export interface TrackContext {
  input: string;
  /** Overlay video target path. */
  output: string;
  model: LoadOptions;
  threshold: number;
  batch: number;
  verbose: boolean;
  /** Called after each frame is written. */
  onProgress?: (done: number, total: number) => void;
  /** Called once the model is ready, with what was chosen (for --verbose and progress). */
  onStart?: (info: { video: VideoInfo; model: LoadedModel }) => void;
}

export interface TrackSummary {
  frames: number;
  video: VideoInfo;
  provider: string;
}

interface InferredFrame {
  frame: DecodedFrame;
  features: FrameFeatures;
}

/** Decoded frames → batches → model → per-frame features, into a bounded queue. */
async function runInference(frames: AsyncIterable<DecodedFrame>, model: LoadedModel, batchSize: number, queue: BoundedQueue<InferredFrame>): Promise<void> {
  const { inputWidth: width, inputHeight: height, rows, cols } = model;
  const plane = 3 * width * height;
  let pending: DecodedFrame[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const input = new Float32Array(batch.length * plane); // [B, 3, H, W]
    batch.forEach((frame, slot) => writeNormalisedFrame_(frame.model, input, slot, width, height));
    const out = await model.session.run(input, batch.length, height, width);
    const patches = rows * cols;
    for (let b = 0; b < batch.length; b++) {
      await queue.push({
        frame: batch[b],
        features: {
          index: batch[b].index,
          rows,
          cols,
          heads: out.heads,
          dim: out.dim,
          clsAttention: out.clsAttention.subarray(b * out.heads * patches, (b + 1) * out.heads * patches), // [heads, h*w]
          patchTokens: out.patchTokens.subarray(b * patches * out.dim, (b + 1) * patches * out.dim), // [h*w, D]
        },
      });
    }
  };
  for await (const frame of frames) {
    pending.push(frame);
    if (pending.length >= batchSize) await flush();
  }
  await flush();
}

/**
 * Runs one video through decode → model → tracker → writers. Decode, inference and
 * writing overlap; every queue between them is bounded, so memory does not grow with
 * the video's length. On any error every writer is aborted and nothing is left at the target.
 */
export async function runTrack(context: TrackContext): Promise<TrackSummary> {
  const video = await probeVideo(context.input);
  const model = await loadModel(context.model, video.width, video.height);
  context.onStart?.({ video, model });
  const writers: OutputWriter[] = [createOverlayWriter({ video, target: context.output, verbose: context.verbose })];
  const decoder = decodeVideo({ video, modelWidth: model.inputWidth, modelHeight: model.inputHeight, keepFull: true, verbose: context.verbose });
  const queue = new BoundedQueue<InferredFrame>(Math.max(2, context.batch * 2));
  const tracker = createTracker({ width: video.width, height: video.height, threshold: context.threshold });
  let frames = 0;
  const produce = runInference(decoder.frames, model, context.batch, queue).then(
    () => queue.close(),
    (error: unknown) => {
      queue.fail(error);
      throw error;
    },
  );
  const consume = (async () => {
    for await (const { frame, features } of queue) {
      const result = tracker.update(features, frame.full);
      for (const writer of writers) await writer.write(result, frame.full);
      frames++;
      context.onProgress?.(frames, video.frameCount);
    }
  })();
  try {
    await Promise.all([produce, consume]);
    if (frames === 0) throw new InputError(`${context.input} has no decodable video frames; check that the file is a complete video`);
    for (const writer of writers) await writer.finish();
  } catch (error) {
    decoder.stop();
    queue.fail(error);
    await Promise.allSettled([produce, consume]);
    await Promise.allSettled(writers.map((w) => w.abort()));
    throw error;
  } finally {
    await model.session.release();
  }
  return { frames, video, provider: model.session.provider };
}
