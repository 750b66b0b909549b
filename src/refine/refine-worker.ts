/**
 * Worker thread that refines frames: the guided filter is tens of milliseconds of
 * synchronous work per frame at 480 lines, which on the main thread would delay tracking
 * the next frame and writing; here it runs beside them.
 */
import { parentPort } from 'node:worker_threads';
import type { FrameResult } from '../track/types.js';
import { refineMasks, type RefineInput } from './refine-frame.js';

/** Only what refinement reads goes to the worker, and only what it changes comes back (labels moved, not copied). */
export type RefineRequest = { id: number; result: RefineInput; image: Uint8Array };
export type RefineReply = { id: number; refined: Pick<FrameResult, 'labels' | 'objects'>; seconds: number } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('refine-worker.js must run as a worker thread');

port.on('message', ({ id, result, image }: RefineRequest) => {
  const started = performance.now();
  try {
    const refined = refineMasks(result, image);
    port.postMessage({ id, refined, seconds: (performance.now() - started) / 1000 } satisfies RefineReply, [refined.labels.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ id, error: error instanceof Error ? error.message : String(error) } satisfies RefineReply);
  }
});
