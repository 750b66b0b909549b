import { mkdtemp } from 'node:fs/promises';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ExternalError } from '../errors.js';
import { getPidNamespace, isAlive } from './is-alive.js';
import { getSiblingStem } from './paths.js';

/**
 * What a run killed outright (SIGKILL, out of memory, power) leaves: the partial output it
 * was building beside `-o`, and its temporary feature cache and scratch files in $TMPDIR,
 * gigabytes for a long prompted run. Nothing of ours ran to remove them, so the next run
 * does: each name carries the process id that made it, and only names of processes that
 * no longer exist go (a live one, even another program that took the id, is left alone).
 */

/**
 * Removes the entries of `dir` that `pattern` matches (group 1: the maker's pid) whose process is
 * gone, and, with `quietMs`, that have not changed for that long; never throws.
 */
function removeDead(dir: string, pattern: RegExp, quietMs = 0): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!isLeftOfGoneRun(path.join(dir, name), Number(pattern.exec(name)?.[1]), quietMs)) continue;
    try {
      rmSync(path.join(dir, name), { recursive: true, force: true });
    } catch {
      // Best effort: a leftover we cannot remove is no reason to fail this run.
    }
  }
}

/**
 * Whether `file`, named with its maker's `pid`, was left by a run that is gone: no such process
 * here (not this one), and, with `quietMs`, unchanged for that long (false when it cannot be read).
 */
export function isLeftOfGoneRun(file: string, pid: number, quietMs = 0): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) return false;
  if (quietMs === 0) return true;
  try {
    return Date.now() - statSync(file).mtimeMs > quietMs;
  } catch {
    return false;
  }
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Removes partial outputs of `target` that killed runs left beside it (`.NAME.PID-RANDOM.partial.EXT`,
 * and scratch files named after them); with `quietMs`, only those unchanged for that long (a
 * folder shared by containers or hosts, where a pid means nothing here).
 * Not `.replaced` ones: such a run died while the previous output was moved aside, and that copy is the user's.
 */
export function removeDeadPartials(target: string, quietMs = 0): void {
  const { dir, base, ext } = path.parse(path.resolve(target));
  // The partial itself, and its scratch files (`….partial.safetensors.cls_attn`).
  removeDead(dir, new RegExp(`^\\.${escape(getSiblingStem(base, ext))}\\.(\\d+)-[0-9a-f]+\\.partial${escape(ext)}(\\.[\\w-]+)?$`), quietMs);
}

/**
 * This machine and pid namespace, short: process ids mean something only where they were made.
 * The namespace too: containers with the same host name sharing $TMPDIR number their processes
 * apart, and a live run's folder in one was removed by a run in another (a review).
 */
const hostTag = createHash('sha256').update(`${hostname()}|${getPidNamespace() ?? ''}`).digest('hex').slice(0, 6);

/**
 * A new temporary folder `$TMPDIR/PREFIX-PID@HOST-RANDOM`, after removing those of PREFIX that
 * killed runs on this host left: a $TMPDIR shared by containers or machines holds other hosts'
 * live runs, whose process ids mean nothing here.
 */
export async function makeTemporaryDir(prefix: string): Promise<string> {
  removeDead(tmpdir(), new RegExp(`^${escape(prefix)}-(\\d+)@${hostTag}-`));
  try {
    return await mkdtemp(path.join(tmpdir(), `${prefix}-${process.pid}@${hostTag}-`));
  } catch (cause) {
    throw temporaryDirError(cause as NodeJS.ErrnoException);
  }
}

/**
 * The one line for a temporary folder that cannot be made: a $TMPDIR that does not exist, is a
 * file or is read-only gave mkdtemp's bare "ENOENT: no such file or directory, mkdtemp …" (a
 * second trial). A full disk keeps its own advice (describeSystemError).
 */
function temporaryDirError(cause: NodeJS.ErrnoException): Error {
  const why: Record<string, string> = {
    ENOENT: 'does not exist',
    ENOTDIR: 'is not a folder',
    EACCES: 'cannot be written',
    EPERM: 'cannot be written',
    EROFS: 'is on a read-only disk',
  };
  const reason = cause.code ? why[cause.code] : undefined;
  if (!reason) return cause;
  return new ExternalError(`the temporary folder ${tmpdir()} ${reason} (${cause.code}); set TMPDIR to a folder that exists and can be written, e.g. TMPDIR=/tmp`, { cause });
}
