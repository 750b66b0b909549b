import type { Readable } from 'node:stream';
import { BoundedQueue } from '../util/bounded-queue.js';
import { readFrames } from '../util/read-frames.js';
import { getPassthroughArgs } from './ffmpeg-path.js';
import { startFfmpeg } from './ffmpeg-process.js';
import { toFfmpegFile } from './file-argument.js';
import { getFrameTimeOutput, readFrameTimes } from './frame-times.js';
import type { VideoInfo } from './probe.js';

/** One decoded frame: RGB24, row-major, in display orientation. */
export interface DecodedFrame {
  index: number;
  /** Presentation time in seconds, from the input's own timestamps (variable frame rates keep theirs). */
  time: number;
  /** Full-size frame for drawing, present only when requested. */
  full?: Buffer;
  /** Frame scaled by ffmpeg to the model's input size. */
  model: Buffer;
}

export interface DecodeOptions {
  video: VideoInfo;
  modelWidth: number;
  modelHeight: number;
  /** Also deliver full-size frames (for the overlay or pixel refinement). */
  keepFull: boolean;
  verbose?: boolean;
  /** Frames buffered per output before ffmpeg is held back. */
  queueFrames?: number;
}

/** A running decode: iterate `frames`; call `stop` to end it early. */
export interface Decoder {
  frames: AsyncIterable<DecodedFrame>;
  stop(): void;
}

/**
 * Whether the full-size frames are delivered through their own pipe. When the model's input
 * is the frame's own size (a 480-line video at the default short side), the model's frame is
 * the full frame: ffmpeg converts and pipes it once, not twice (one RGB conversion and 1.2 MB
 * of pipe traffic less per 848x480 frame, on the cores the model needs).
 */
function needsFullPipe(options: DecodeOptions): boolean {
  return options.keepFull && (options.modelWidth !== options.video.width || options.modelHeight !== options.video.height);
}

function buildArgs(options: DecodeOptions): string[] {
  const { video, modelWidth, modelHeight } = options;
  const keepFull = needsFullPipe(options);
  // Area averaging when shrinking avoids aliasing in the ViT's input; bicubic when growing.
  const shrinking = modelWidth * modelHeight < video.width * video.height;
  const scale = `scale=${modelWidth}:${modelHeight}:flags=${shrinking ? 'area' : 'bicubic'}`;
  // Passthrough keeps every decoded frame of a variable-frame-rate input, none duplicated.
  const common = [...getPassthroughArgs(), '-f', 'rawvideo', '-pix_fmt', 'rgb24'];
  const input = ['-i', toFfmpegFile(video.path), '-an', '-sn', '-dn'];
  // The stream the probe chose (not `0:v:0`, which may be cover art): its size is what frames are cut at.
  const stream = `0:${video.streamIndex}`;
  // A tiny copy of each frame goes to fd 4 only for its timestamp (see frame-times.ts); 16x16
  // rather than 2x2 because ffmpeg warns about a raw stream under 1 kbit/s.
  const times = ['-map', '[times]', ...getPassthroughArgs(), ...getFrameTimeOutput(video.timeBase), 'pipe:4'];
  if (!keepFull) return [...input, '-filter_complex', `[${stream}]split=2[small][tiny];[small]${scale}[model];[tiny]scale=16:16[times]`, '-map', '[model]', ...common, 'pipe:1', ...times];
  return [
    ...input,
    '-filter_complex', `[${stream}]split=3[full][small][tiny];[small]${scale}[model];[tiny]scale=16:16[times]`,
    '-map', '[full]', ...common, 'pipe:3',
    '-map', '[model]', ...common, 'pipe:1',
    ...times,
  ];
}

/**
 * A frame's time: its own, read from the times pipe, when the input has timestamps; index / fps
 * when it has none (see VideoInfo.hasTimestamps) or the pipe gave none. Never below 0: times
 * count from the container's start.
 */
export function getFrameTime(video: VideoInfo, index: number, read: number | undefined): number {
  const time = video.hasTimestamps && read !== undefined ? read : index / video.fps;
  return Math.max(0, time);
}

async function pumpItems<T>(items: AsyncIterable<T>, queue: BoundedQueue<T>): Promise<void> {
  try {
    for await (const item of items) await queue.push(item);
    queue.close();
  } catch (error) {
    queue.fail(error);
  }
}

function pumpFrames(stream: Readable, frameBytes: number, queue: BoundedQueue<Buffer>): Promise<void> {
  return pumpItems(readFrames(stream, frameBytes), queue);
}

/**
 * Decodes a video with ffmpeg into RGB24 frames at the model's input size and,
 * optionally, at full size, both from one ffmpeg process through two pipes.
 */
export function decodeVideo(options: DecodeOptions): Decoder {
  const { video, modelWidth, modelHeight } = options;
  const keepFull = needsFullPipe(options);
  const depth = options.queueFrames ?? 4;
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', keepFull ? 'pipe' : 'ignore', 'pipe'];
  const ffmpeg = startFfmpeg(buildArgs(options), stdio, `decoding ${video.path}`, options.verbose);
  const modelQueue = new BoundedQueue<Buffer>(depth);
  const fullQueue = new BoundedQueue<Buffer>(depth);
  // Each pipe drains on its own so neither output can stall ffmpeg waiting on the other.
  void pumpFrames(ffmpeg.child.stdout as Readable, modelWidth * modelHeight * 3, modelQueue);
  if (keepFull) void pumpFrames(ffmpeg.child.stdio[3] as Readable, video.width * video.height * 3, fullQueue);
  const timeQueue = new BoundedQueue<number>(depth * 4);
  void pumpItems(readFrameTimes(ffmpeg.child.stdio[4] as Readable), timeQueue);

  async function* frames(): AsyncGenerator<DecodedFrame> {
    try {
      for (let index = 0; ; index++) {
        const model = await modelQueue.shift();
        const full = keepFull ? await fullQueue.shift() : undefined;
        const time = await timeQueue.shift();
        if (!model || (keepFull && !full)) break;
        // Without a pipe of its own, the full frame is the model's frame (the same size).
        yield { index, time: getFrameTime(video, index, time), model, full: options.keepFull && !keepFull ? model : full };
      }
      await ffmpeg.exited;
    } finally {
      ffmpeg.kill();
    }
  }
  return {
    frames: frames(),
    stop() {
      ffmpeg.kill();
      modelQueue.close();
      fullQueue.close();
      timeQueue.close();
    },
  };
}
