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

/** A note said in a closing line, with what tells whether it still holds once the work in flight has stopped. */
export interface Note {
  text: string;
  /** Whether the note is still true (default: always); asked after the stop, not when the note is taken. */
  holds?: () => boolean;
}

/** Notes said in a closing line, registered while they hold: `add` returns the unregister function; `list` gives them oldest first. */
function createNotes(): { add(note: string | Note): () => void; list(): Note[] } {
  const notes = new Set<Note>();
  return {
    add(note) {
      const entry = typeof note === 'string' ? { text: note } : note;
      notes.add(entry);
      return () => notes.delete(entry);
    },
    list: () => [...notes],
  };
}

/** The texts of `notes` that still hold. */
export function sayNotes(notes: Note[]): string[] {
  return notes.filter((note) => note.holds?.() ?? true).map((note) => note.text);
}

/**
 * What a signal leaves in place on purpose, said in the line the interruption prints: a
 * download's `.partial` resumes on the next run, so Ctrl-C must not throw its bytes away
 * (e.g. `the download in X.partial is kept: …`).
 */
const keptOnSignal = createNotes();
export const noteKeptOnSignal = keptOnSignal.add;
export const getKeptOnSignal = (): string[] => sayNotes(keptOnSignal.list());

/**
 * What a closed stdout costs besides the stream itself: `-o - | head` ends the run quietly, as
 * Unix tools end, but a feature cache saved beside the stream then holds part of the video and
 * is removed, which went unsaid (a first-time user's trial: exit 0, no line, no cache).
 */
const lostIfStdoutCloses = createNotes();
export const noteLostIfStdoutCloses = lostIfStdoutCloses.add;

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

let stopping = false;

/**
 * Whether a signal (or a closed stdout) is stopping the process: an output finished after that
 * must not be moved into place. The first cleanup pass has removed its temporary, and a writer
 * still appending recreates the file with only its tail (a feature cache without its header, a
 * review found by reading), which a commit would then have put at the target.
 */
export function isStopping(): boolean {
  return stopping;
}

/**
 * What a signal does before the process exits: partial outputs go at once (the user sees
 * them gone), then the work in flight is let finish (at most `timeoutMs`), then the
 * cleanups run again. A write or folder creation already under way when the signal came
 * can land after the first pass — a first-time user found a `.NAME.PID.partial/` with a
 * mask in it after 2 of 13 Ctrl-Cs near the first frame — and the second pass removes it.
 */
export function stopOnSignal(timeoutMs: number): Promise<void> {
  // Once: a signal after a closed stdout started a second stop, which found the stoppers taken by
  // the first and did not wait for them (an inference, an output being placed) before the exit (a review).
  stop ??= (async () => {
    stopping = true;
    runCleanups(true);
    await runStoppers(timeoutMs);
    runCleanups();
  })();
  return stop;
}

let stop: Promise<void> | undefined;

/**
 * What a closed stdout does: the stop of a signal, then what it cost, said from the notes taken
 * when it closed that still hold once the work in flight has stopped. A feature cache being moved
 * into place when stdout closed is let finish (atomic-path.ts), and is then no loss: a note read
 * at the close said it was not written while it was (a review, found by reading).
 */
export async function stopForClosedStdout(timeoutMs: number): Promise<string[]> {
  const notes = lostIfStdoutCloses.list();
  await stopOnSignal(timeoutMs);
  return sayNotes(notes);
}
