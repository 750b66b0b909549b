import { rmSync } from 'node:fs';

/**
 * Things to undo if the process is stopped by a signal: temporary outputs to delete
 * and child processes to kill. Signal handlers run these synchronously, because an
 * interrupted run must not wait for a model step to finish before it cleans up.
 */
const actions = new Set<() => void>();

/** Registers a synchronous cleanup; returns a function that unregisters it. */
export function onCleanup(action: () => void): () => void {
  actions.add(action);
  return () => actions.delete(action);
}

/** Registers deletion of a temporary path; returns the unregister function. */
export function removeOnCleanup(path: string): () => void {
  return onCleanup(() => rmSync(path, { recursive: true, force: true }));
}

/** Runs and forgets every registered cleanup, newest first; never throws. */
export function runCleanups(): void {
  for (const action of [...actions].reverse()) {
    try {
      action();
    } catch {
      // Best effort: one failed cleanup must not keep the others from running.
    }
  }
  actions.clear();
}

/**
 * Work the process must let finish before it exits: onnxruntime cannot be interrupted
 * inside an inference, and exiting while a worker thread is in one aborts the process.
 * The stopper is called once, after the cleanups; it should refuse new work and resolve
 * when the current work is done.
 */
const stoppers = new Set<() => Promise<void>>();

export function onStop(stopper: () => Promise<void>): () => void {
  stoppers.add(stopper);
  return () => stoppers.delete(stopper);
}

/** Waits for every registered stopper, at most `timeoutMs`. */
export async function runStoppers(timeoutMs: number): Promise<void> {
  const all = Promise.allSettled([...stoppers].map((stop) => stop()));
  stoppers.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
}
