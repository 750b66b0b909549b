/**
 * Worker thread that owns the inference session. onnxruntime-node runs a model
 * synchronously on the calling thread, so on the main thread a 1 s inference would stall
 * tracking, writing and the decoder pipes; here it runs beside them.
 */
import { parentPort } from 'node:worker_threads';
import { getTransferable } from '../util/transferable.js';
import { openSession, type ModelSession, type SessionOptions } from './session.js';

export type WorkerRequest =
  | { type: 'open'; model: Uint8Array; options: Omit<SessionOptions, 'notify'> }
  | { type: 'run'; id: number; input: Float32Array; batch: number; height: number; width: number }
  | { type: 'release' };

export type WorkerReply =
  | { type: 'opened'; provider: ModelSession['provider']; inputName: string; inputType: ModelSession['inputType'] }
  | { type: 'notice'; line: string }
  | { type: 'result'; id: number; clsAttention: Float32Array; patchTokens: Float32Array; heads: number; dim: number; input: Float32Array }
  | { type: 'error'; id?: number; name: string; message: string }
  | { type: 'released' }
  /** Sent once, when the worker's modules (onnxruntime's native binding among them) have loaded. */
  | { type: 'ready' };

const port = parentPort;
if (!port) throw new Error('session-worker.js must run as a worker thread');
let session: ModelSession | undefined;

const fail = (error: unknown, id?: number): void => {
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  port.postMessage({ type: 'error', id, name, message } satisfies WorkerReply);
};

port.on('message', async (request: WorkerRequest) => {
  try {
    if (request.type === 'open') {
      session = await openSession(request.model, { ...request.options, notify: (line) => port.postMessage({ type: 'notice', line } satisfies WorkerReply) });
      port.postMessage({ type: 'opened', provider: session.provider, inputName: session.inputName, inputType: session.inputType } satisfies WorkerReply);
    } else if (request.type === 'run') {
      const out = await (session as ModelSession).run(request.input, request.batch, request.height, request.width);
      // Handed over, not cloned: onnxruntime's outputs own their buffers, so no copy either. The
      // copy this replaced (2.4 MB of fresh memory a frame at 480x848 with ViT-S) ran on the
      // model's own thread, between one frame's answer and the next frame's start.
      const clsAttention = getTransferable(out.clsAttention);
      const patchTokens = getTransferable(out.patchTokens);
      // The input goes back too, for the caller's next batch.
      const reply: WorkerReply = { type: 'result', id: request.id, clsAttention, patchTokens, heads: out.heads, dim: out.dim, input: request.input };
      port.postMessage(reply, [clsAttention.buffer, patchTokens.buffer, request.input.buffer as ArrayBuffer]);
    } else if (request.type === 'release') {
      await session?.release();
      session = undefined;
      port.postMessage({ type: 'released' } satisfies WorkerReply);
    }
  } catch (error) {
    fail(error, request.type === 'run' ? request.id : undefined);
  }
});

// Its modules are loaded: stopping it from now on cannot catch onnxruntime's native binding half set up.
port.postMessage({ type: 'ready' } satisfies WorkerReply);
