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

/**
 * An object's score as every format writes it: 4 decimals. The same field read from two formats
 * of one run differed (ndjson 0.8079, coco.json 0.8078719998606277, MOT 0.808: a first-time
 * user); a confidence that is no calibrated probability has no use for more.
 */
export function formatScore(score: number): number {
  return Number(score.toFixed(4));
}
