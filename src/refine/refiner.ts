import type { Worker } from 'node:worker_threads';
import type { FrameResult } from '../track/types.js';
import { startWorker } from '../util/start-worker.js';
import type { RefineReply, RefineRequest } from './refine-worker.js';

/** Refinement off the main thread: frames go in, refined frames come back in the same order. */
export interface Refiner {
  refine(result: FrameResult, image: Buffer): Promise<FrameResult>;
  /** Busy seconds of the worker so far (for --verbose's stage times). */
  busySeconds(): number;
  close(): Promise<void>;
}

/**
 * Starts a refinement worker. The frame's pixels are copied to it (the writers still need
 * them) with its soft masks, not its patch-grid labels (refinement replaces them); the
 * refined labels are moved back. A frame without soft masks is not refined and does not go.
 * A worker that fails fails every frame in flight.
 */
export function openRefiner(): Refiner {
  const worker = startWorker(new URL('./refine-worker.js', import.meta.url));
  const pending = new Map<number, { resolve: (result: FrameResult) => void; reject: (error: Error) => void }>();
  /** The tracked frames in flight: the refined labels and objects replace theirs. */
  const waitingFrames = new Map<number, FrameResult>();
  let nextId = 0;
  let busy = 0;
  let dead: Error | undefined;
  let closing = false;
  const failAll = (error: Error): void => {
    dead ??= error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    waitingFrames.clear();
  };
  worker.on('message', (reply: RefineReply) => {
    const waiting = pending.get(reply.id);
    pending.delete(reply.id);
    // Once closing, a late reply must not drop the reference close() holds until the worker exits.
    if (pending.size === 0 && !closing) worker.unref();
    if ('error' in reply) waiting?.reject(new Error(`refinement failed: ${reply.error}`));
    else {
      busy += reply.seconds;
      waiting?.resolve({ ...(waitingFrames.get(reply.id) as FrameResult), ...reply.refined });
    }
    waitingFrames.delete(reply.id);
  });
  worker.on('error', (error) => failAll(new Error(`refinement worker failed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new Error(`refinement worker exited (code ${code})`)));
  // Only frames in flight keep the process alive: a caller that forgets close() must not hang at
  // exit. After the listeners: adding the 'message' one refs the worker's port again.
  worker.unref();
  return {
    refine(result, image) {
      if (dead) return Promise.reject(dead);
      const { width, height, rows, cols, objects, soft } = result;
      // Nothing to refine (an interpolated frame, or one without objects): a frame sent anyway
      // costs a copy of its pixels and two messages, a share of the CPU a fast model misses.
      if (!soft || soft.size === 0) return Promise.resolve(result);
      const id = nextId++;
      return new Promise<FrameResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.ref();
        // A copy of exactly the frame's bytes (a Buffer may be a view into a larger pooled one), moved to the worker.
        const pixels = new Uint8Array(image);
        // The rest (labels, births: full-size label maps, attention) stays here and rejoins the result.
        waitingFrames.set(id, result);
        worker.postMessage({ id, result: { width, height, rows, cols, objects, soft }, image: pixels } satisfies RefineRequest, [pixels.buffer]);
      });
    },
    busySeconds: () => busy,
    async close() {
      dead ??= new Error('refiner closed');
      closing = true;
      // An unreferenced worker's exit does not keep the event loop alive: without this, a caller awaiting close() could be left hanging.
      worker.ref();
      await worker.terminate();
    },
  };
}
