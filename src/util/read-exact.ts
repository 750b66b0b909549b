import type { Readable } from 'node:stream';

/**
 * Reads exactly `size` bytes from a paused-mode stream; resolves null at a clean end.
 * A short tail (a truncated last frame) is discarded, as ffmpeg would not emit one
 * from a healthy decode.
 */
export async function readExact(stream: Readable, size: number): Promise<Buffer | null> {
  for (;;) {
    const chunk = stream.read(size) as Buffer | null;
    if (chunk !== null) return chunk.length === size ? chunk : null;
    if (stream.readableEnded || stream.destroyed) return null;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('close', done);
        stream.off('error', fail);
        resolve();
      };
      const fail = (error: Error): void => {
        stream.off('readable', done);
        stream.off('end', done);
        stream.off('close', done);
        reject(error);
      };
      stream.once('readable', done);
      stream.once('end', done);
      stream.once('close', done);
      stream.once('error', fail);
    });
  }
}
