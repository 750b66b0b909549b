import type { Readable } from 'node:stream';

/**
 * Cuts a byte stream into fixed-size frames. Pulling through the stream's async
 * iterator gives backpressure for free: nothing is read ahead of the consumer beyond
 * the stream's own buffer. A short tail (a truncated last frame) is dropped.
 */
export async function* readFrames(stream: Readable, frameBytes: number): AsyncGenerator<Buffer> {
  let frame = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(frameBytes - filled, chunk.length - offset);
      chunk.copy(frame, filled, offset, offset + take);
      filled += take;
      offset += take;
      if (filled === frameBytes) {
        yield frame;
        frame = Buffer.allocUnsafe(frameBytes);
        filled = 0;
      }
    }
  }
}
