import type { Worker } from 'node:worker_threads';
import { ExternalError, InputError, InterruptedError, UsageError } from '../errors.js';
import { onStop } from '../util/cleanup.js';
import { startWorker } from '../util/start-worker.js';
import { getTransferable } from '../util/transferable.js';
import type { WorkerReply, WorkerRequest } from './session-worker.js';
import type { ModelOutputs, ModelSession, SessionOptions } from './session.js';

const errorClasses: Record<string, new (message: string) => Error> = { UsageError, InputError, ExternalError };

/** The worker's error, as the class it was thrown as (exit codes depend on it). */
function toError(reply: { name: string; message: string }): Error {
  const ErrorClass = errorClasses[reply.name] ?? ExternalError;
  return new ErrorClass(reply.message);
}

const workerUrl = new URL('./session-worker.js', import.meta.url);

/** A worker started ahead of its session (startInferenceWorker), until a session takes it. */
let spare: { worker: Worker; exited: boolean; ready: Promise<void>; onError: () => void; onExit: () => void; onMessage: (reply: WorkerReply) => void } | undefined;

/**
 * Starts the inference worker (its own V8 and onnxruntime's import, ~0.1 s) now, so that it
 * is ready when the session opens: `track` calls this before probing the video and reading
 * the model, which it then overlaps with. Unreferenced until taken, so it never keeps the
 * process alive; a spare that died is replaced by a fresh worker when the session opens.
 */
export function startInferenceWorker(): void {
  if (spare && !spare.exited) return;
  const worker = startWorker(workerUrl);
  let loaded = (): void => undefined;
  const entry = {
    worker,
    exited: false,
    ready: new Promise<void>((resolve) => {
      loaded = resolve;
    }),
    // A failure before the session opens shows again in the fresh worker that open then starts.
    onError: () => undefined,
    onExit: () => {
      entry.exited = true;
      loaded();
      if (spare === entry) spare = undefined;
    },
    onMessage: (reply: WorkerReply) => {
      if (reply.type === 'ready') loaded();
    },
  };
  worker.on('error', entry.onError);
  worker.once('exit', entry.onExit);
  worker.on('message', entry.onMessage);
  // After the listeners: adding a 'message' listener refs the worker's port again, and a spare
  // unreferenced before it kept the process alive for ever. Its test passed only because under
  // `node --input-type=module -e` every worker failed at once (startWorker now starts them there).
  worker.unref();
  spare = entry;
}

/**
 * Stops a worker that startInferenceWorker started and no session took (a run that failed before the model loaded).
 * @returns whether there was one to stop
 */
export async function discardInferenceWorker(): Promise<boolean> {
  const entry = spare;
  spare = undefined;
  if (!entry || entry.exited) return false;
  // Stopped while onnxruntime's native binding was loading, the worker took the whole
  // process down (`terminate called after throwing an instance of 'Napi::Error'`: one
  // mutated video of the fuzz test's 200, once in five runs): wait until it has loaded.
  // Referenced meanwhile: the wait itself must keep the process alive, or it exits (code 13) with the worker half loaded.
  entry.worker.ref();
  await entry.ready;
  await entry.worker.terminate();
  return true;
}

/** The spare worker if it is alive, else a new one; either way with none of the spare's listeners (Node's own stay). */
function takeWorker(): Worker {
  const entry = spare;
  spare = undefined;
  if (!entry || entry.exited) return startWorker(workerUrl);
  entry.worker.off('error', entry.onError);
  entry.worker.off('exit', entry.onExit);
  entry.worker.off('message', entry.onMessage);
  entry.worker.ref();
  return entry.worker;
}

/**
 * Opens the inference session in a worker thread (same provider choice and errors as
 * `openSession`), so that inference overlaps with tracking and writing on the main thread.
 * The model's bytes are moved to the worker, not copied: when `model`
 * owns its whole buffer, that buffer is detached (empty) once this returns.
 */
export function openSessionInWorker(model: Uint8Array, options: SessionOptions): Promise<ModelSession> {
  const worker = takeWorker();
  const pending = new Map<number, { resolve: (out: ModelOutputs) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let opened: ((reply: WorkerReply & { type: 'opened' }) => void) | undefined;
  let failOpen: ((error: Error) => void) | undefined;
  let released: (() => void) | undefined;
  let dead: Error | undefined;
  let idle: (() => void) | undefined;
  // On a signal: take no more work, and let the process exit only once the worker is idle.
  const unregisterStop = onStop(async () => {
    dead ??= new InterruptedError('SIGINT');
    if (pending.size > 0) await new Promise<void>((resolve) => (idle = resolve));
  });
  const post = (request: WorkerRequest, transfer: ArrayBuffer[] = []): void => worker.postMessage(request, transfer);
  // The worker keeps the process alive only while a call is in flight: a caller that
  // forgets release() must not hang at exit.
  let releasing = false;
  let releaseDone: Promise<void> | undefined;
  let drained: (() => void) | undefined;
  const keepAlive = (): void => {
    // A release waits for the worker's reply even after the last run is answered.
    if (pending.size > 0 || releasing) worker.ref();
    else worker.unref();
    if (pending.size > 0) return;
    idle?.();
    drained?.();
  };

  const failAll = (error: Error): void => {
    dead = error;
    failOpen?.(error);
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
    drained?.();
    released?.();
    idle?.();
    unregisterStop();
  };
  worker.on('message', (reply: WorkerReply) => {
    if (reply.type === 'notice') options.notify?.(reply.line);
    else if (reply.type === 'opened') {
      keepAlive();
      opened?.(reply);
    }
    else if (reply.type === 'released') released?.();
    else if (reply.type === 'result') {
      pending.get(reply.id)?.resolve({ clsAttention: reply.clsAttention, patchTokens: reply.patchTokens, heads: reply.heads, dim: reply.dim, spentInput: reply.input });
      pending.delete(reply.id);
      keepAlive();
    } else if (reply.type === 'error') {
      const error = toError(reply);
      // Without an id the error is the open's, or once open the release's (which must not hang: the session is gone either way).
      if (reply.id === undefined) (failOpen ?? released)?.(error);
      else {
        pending.get(reply.id)?.reject(error);
        pending.delete(reply.id);
        keepAlive();
      }
    }
  });
  worker.on('error', (error) => failAll(new ExternalError(`the inference worker failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => failAll(new ExternalError(`the inference worker stopped (exit ${code})`)));

  /** Waits for the runs in flight, frees the session in the worker, and stops the worker. */
  const releaseWorker = async (): Promise<void> => {
    if (dead) return;
    releasing = true;
    keepAlive();
    // Freeing the session under a run still in flight aborts the process (onnxruntime
    // throws in native code), and the pipeline hands the next frame over before it writes
    // this one: wait for the runs' answers first (whatever they are).
    if (pending.size > 0) await new Promise<void>((resolve) => (drained = resolve));
    if (dead) return;
    await new Promise<void>((done) => {
      released = done;
      post({ type: 'release' });
    });
    worker.removeAllListeners('exit');
    unregisterStop();
    await worker.terminate();
  };

  return new Promise((resolve, reject) => {
    failOpen = (error) => {
      void worker.terminate();
      reject(error);
    };
    opened = (info) => {
      failOpen = undefined;
      resolve({
        provider: info.provider,
        inputName: info.inputName,
        inputType: info.inputType,
        run(input, batch, height, width) {
          if (dead) return Promise.reject(dead);
          // A run posted behind the release would reach a freed session (a native abort).
          if (releasing) return Promise.reject(new Error('internal: the inference session is being released; run() came after release()'));
          const id = nextId++;
          return new Promise<ModelOutputs>((resolveRun, rejectRun) => {
            pending.set(id, { resolve: resolveRun, reject: rejectRun });
            keepAlive();
            // The input is handed over, not copied, and comes back with the answer (spentInput).
            post({ type: 'run', id, input, batch, height, width }, [input.buffer as ArrayBuffer]);
          });
        },
        release() {
          // A second release() waits for the first: it used to post a release to a worker
          // already gone and wait for its reply for ever.
          releaseDone ??= releaseWorker();
          return releaseDone;
        },
      });
    };
    const { notify: _notify, ...plain } = options;
    const owned = getTransferable(model);
    post({ type: 'open', model: owned, options: plain }, [owned.buffer]);
  });
}
