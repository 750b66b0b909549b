import type { FrameResult } from '../track/index.js';

/** One output format being written during a run. */
export interface OutputWriter {
  /** @param image the full-size frame `[height, width, 3]` when the video is decoded */
  write(result: FrameResult, image?: Buffer): Promise<void>;
  /** Completes the output and moves it into place. */
  finish(): Promise<void>;
  /** Stops and deletes everything written so far. */
  abort(): Promise<void>;
}
