import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';

/**
 * A writable stream made safe to await: every write waits for back-pressure, and an error
 * (disk full, a closed pipe, a folder that cannot be opened) is kept and rethrown by the
 * next write or by `end`, never raised as an unhandled 'error' event.
 */
export interface StreamWriter {
  /** Writes a chunk; resolves when the stream can take more. @throws the stream's error */
  write(chunk: string | Uint8Array): Promise<void>;
  /** Flushes and closes; resolves when every byte is written. @throws the stream's error */
  end(): Promise<void>;
  /** Closes at once without flushing (on abort); never throws. */
  destroy(): void;
}

/**
 * Wraps a stream, or opens a file for writing.
 * @param keepOpen do not end the stream on `end()` (for stdout)
 */
export function openStreamWriter(target: string | Writable, keepOpen = false): StreamWriter {
  const stream = typeof target === 'string' ? createWriteStream(target) : target;
  let failure: Error | undefined;
  const waiting = new Set<(error?: Error) => void>();
  const onError = (error: Error): void => {
    failure ??= error;
    for (const wake of waiting) wake(error);
    waiting.clear();
  };
  stream.on('error', onError);
  /** Resolves on `event`, rejects on the stream's error. */
  const waitFor = (event: 'drain' | 'finish'): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure);
      const wake = (error?: Error): void => {
        stream.off(event, onEvent);
        waiting.delete(wake);
        if (error) reject(error);
        else resolve();
      };
      const onEvent = (): void => wake();
      waiting.add(wake);
      stream.once(event, onEvent);
    });
  return {
    async write(chunk) {
      if (failure) throw failure;
      if (!stream.write(chunk)) await waitFor('drain');
      if (failure) throw failure;
    },
    async end() {
      if (failure) throw failure;
      if (keepOpen) {
        // stdout is never ended by us; wait until what we wrote has left the buffer.
        if (stream.writableNeedDrain) await waitFor('drain');
        return;
      }
      const finished = waitFor('finish');
      stream.end();
      await finished;
    },
    destroy() {
      if (!keepOpen) stream.destroy();
    },
  };
}
