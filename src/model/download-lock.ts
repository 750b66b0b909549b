import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { link, mkdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { noHardLinkCodes } from '../util/atomic-path.js';
import { onCleanup } from '../util/cleanup.js';
import { getPidNamespace, getStartTime, isAlive } from '../util/is-alive.js';

/**
 * One download of a file at a time, across processes: two runs on a fresh cache (`batch
 * --jobs 2`, two terminals) both appended to the same `.partial`, and one left a model of
 * twice its size in the cache. The lock is a file beside the target holding who took it;
 * the others wait until it goes, then use the finished file (or resume what was left).
 */
export const lockTimes = {
  /** How often a waiting run looks again: short next to any model download, cheap (one stat). */
  pollMs: 500,
  /** How often the holder touches its lock, so that a run on another host can tell it still works. */
  heartbeatMs: 10_000,
  /** A lock untouched this long is stale whoever took it: six missed heartbeats (a holder on another host that died, where its pid says nothing). */
  staleAfterMs: 60_000,
};

interface LockHolder {
  pid?: number;
  /** The pid namespace the pid is from (`pid:[…]` on Linux): a container sharing the cache with the same host name numbers its processes apart. */
  pidns?: string;
  /** When that pid's process started (getStartTime): a reused pid is another process. */
  started?: number;
  host?: string;
  token?: string;
  /** When the holder last touched the lock (ms since the epoch). */
  touchedMs: number;
}

export interface DownloadLock {
  /** Whether another process held the lock first (it may have finished the file meanwhile). */
  waited: boolean;
  /** Removes the lock if it is still this process's; never throws. */
  release(): void;
}

/**
 * Creates `file` holding `text` only if nothing is there: written aside and linked into place,
 * so the lock is never seen empty; where there are no hard links, created exclusively in place
 * (seen empty for a moment, which readers take as a lock judged by its age).
 */
export async function createExclusively(file: string, text: string, linkFile: (from: string, to: string) => Promise<void> = link): Promise<boolean> {
  const aside = `${file}.${process.pid}-${randomBytes(3).toString('hex')}`;
  // The folder may be gone: a holder whose download failed removes the folders it made while
  // others wait (a review: the waiter then failed with a raw ENOENT).
  await mkdir(path.dirname(file), { recursive: true });
  try {
    // Inside the try: a full disk fails the write after creating the file, which must not stay.
    await writeFile(aside, text);
    await linkFile(aside, file);
    return true;
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'EEXIST') return false;
    if (code === undefined || !noHardLinkCodes.has(code)) throw error;
    return await writeFile(file, text, { flag: 'wx' }).then(() => true, (failure: NodeJS.ErrnoException) => {
      if (failure.code === 'EEXIST') return false;
      throw failure;
    });
  } finally {
    await rm(aside, { force: true });
  }
}

/** Who holds the lock at `file`; undefined when it went meanwhile. A lock that does not parse is judged by its age alone. */
async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    let parsed: Partial<LockHolder> = {};
    try {
      parsed = JSON.parse(text) as Partial<LockHolder>;
    } catch {
      // Written by something else, or damaged: its age decides.
    }
    return { pid: parsed.pid, pidns: parsed.pidns, started: parsed.started, host: parsed.host, token: parsed.token, touchedMs: info.mtimeMs };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * A lock whose holder died: on this host, its pid is gone or names another process (a live one holds it however long
 * since it touched the lock: a holder stopped by Ctrl-Z or a laptop's sleep misses heartbeats,
 * and two runs then wrote one partial file, a review); on another host or in another pid
 * namespace (a container with the same host name: its pid means nothing here), or when it says
 * no pid, it has not been touched for `staleAfterMs`. A lock that names no namespace (written
 * by an older version) is judged by its pid, as then.
 */
function isStale(holder: LockHolder): boolean {
  const samePids = holder.pidns === undefined || holder.pidns === getPidNamespace();
  if (holder.host === hostname() && holder.pid !== undefined && samePids) {
    if (!isAlive(holder.pid)) return true;
    // Alive, but another process under a reused pid (the holder was SIGKILLed; fast in containers): a second review saw a waiter wait forever.
    const started = getStartTime(holder.pid);
    return holder.started !== undefined && started !== undefined && started !== holder.started;
  }
  return Date.now() - holder.touchedMs > lockTimes.staleAfterMs;
}

/**
 * Removes the stale lock `holder` was read from, unless another run took it over meanwhile.
 * Takers go one at a time through a second lock: without it, a run that judged the old lock
 * stale could remove the one a faster run had just put in its place, and both would download.
 */
async function takeOver(file: string, holder: LockHolder): Promise<void> {
  const guard = `${file}.takeover`;
  if (!(await createExclusively(guard, `${process.pid}`))) {
    // Another run is taking over; a guard left by one that died mid-way goes by its age.
    const left = await readHolder(guard);
    if (left && isStale({ touchedMs: left.touchedMs })) await rm(guard, { force: true });
    return;
  }
  try {
    const now = await readHolder(file);
    if (now && now.token === holder.token && isStale(now)) await rm(file, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/** Says who holds the lock, for the one line a waiting run prints. */
function describeHolder(holder: LockHolder): string {
  if (holder.pid === undefined) return 'another dino-track';
  return `another dino-track (pid ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''})`;
}

/** Removes the lock at `file` if it still holds `token`; never throws (also run from a signal handler). */
function removeIfOurs(file: string, token: string): void {
  try {
    if ((JSON.parse(readFileSync(file, 'utf8')) as LockHolder).token === token) rmSync(file, { force: true });
  } catch {
    // Gone, or not ours to judge: left alone.
  }
}

/**
 * Takes the lock `file` (waiting while a live process holds it, taking over one whose
 * holder died); `onWait` is told once who it waits for. The lock goes on release or on a
 * signal; a SIGKILLed holder's lock is taken over by the next run.
 * @throws the file system's error when the lock cannot be written (a read-only folder)
 */
export async function acquireDownloadLock(file: string, onWait: (holder: string) => void, signal?: AbortSignal): Promise<DownloadLock> {
  const token = randomBytes(8).toString('hex');
  const mine = JSON.stringify({ pid: process.pid, pidns: getPidNamespace(), started: getStartTime(process.pid), host: hostname(), token });
  let waited = false;
  signal?.throwIfAborted();
  while (!(await createExclusively(file, mine))) {
    signal?.throwIfAborted();
    const holder = await readHolder(file);
    if (!holder) continue;
    if (isStale(holder)) {
      await takeOver(file, holder);
    } else if (!waited) {
      waited = true;
      onWait(describeHolder(holder));
    }
    // The sleep rejects with its own AbortError: the signal's reason is what the caller gave.
    await sleep(lockTimes.pollMs, undefined, { signal }).catch((error: unknown) => {
      signal?.throwIfAborted();
      throw error;
    });
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(file, now, now).catch(() => undefined);
  }, lockTimes.heartbeatMs);
  heartbeat.unref();
  const unregister = onCleanup(() => removeIfOurs(file, token));
  return {
    waited,
    release() {
      clearInterval(heartbeat);
      unregister();
      removeIfOurs(file, token);
    },
  };
}
