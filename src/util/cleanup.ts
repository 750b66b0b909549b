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

/** Notes said in a closing line, registered while they hold: `add` returns the unregister function; `list` gives them oldest first. */
function createNotes(): { add(note: string): () => void; list(): string[] } {
  const notes = new Set<string>();
  return {
    add(note) {
      notes.add(note);
      return () => notes.delete(note);
    },
    list: () => [...notes],
  };
}

/**
 * What a signal leaves in place on purpose, said in the line the interruption prints: a
 * download's `.partial` resumes on the next run, so Ctrl-C must not throw its bytes away
 * (e.g. `the download in X.partial is kept: …`).
 */
const keptOnSignal = createNotes();
export const noteKeptOnSignal = keptOnSignal.add;
export const getKeptOnSignal = keptOnSignal.list;

/**
 * What a closed stdout costs besides the stream itself: `-o - | head` ends the run quietly, as
 * Unix tools end, but a feature cache saved beside the stream then holds part of the video and
 * is removed, which went unsaid (a first-time user's trial: exit 0, no line, no cache).
 */
const lostIfStdoutCloses = createNotes();
export const noteLostIfStdoutCloses = lostIfStdoutCloses.add;
export const getLostIfStdoutCloses = lostIfStdoutCloses.list;

/**
 * Runs every registered cleanup, newest first; never throws. They are forgotten unless
 * `keep` is set, for a second pass once the work in flight has stopped (see `stopOnSignal`).
 */
export function runCleanups(keep = false): void {
  for (const action of [...actions].reverse()) {
    try {
      action();
    } catch {
      // Best effort: one failed cleanup must not keep the others from running.
    }
  }
  if (!keep) actions.clear();
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

/**
 * What a signal does before the process exits: partial outputs go at once (the user sees
 * them gone), then the work in flight is let finish (at most `timeoutMs`), then the
 * cleanups run again. A write or folder creation already under way when the signal came
 * can land after the first pass — a first-time user found a `.NAME.PID.partial/` with a
 * mask in it after 2 of 13 Ctrl-Cs near the first frame — and the second pass removes it.
 */
export async function stopOnSignal(timeoutMs: number): Promise<void> {
  runCleanups(true);
  await runStoppers(timeoutMs);
  runCleanups();
}
