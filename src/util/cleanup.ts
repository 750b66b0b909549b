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
