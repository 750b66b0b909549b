import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { getPidNamespace, isAlive } from '../util/is-alive.js';
import { lockTimes } from './download-lock.js';

/**
 * Resuming a download safely (download.ts): each run downloads into a file of its own, and a
 * broken download is kept as `<target>.partial` with what it is a prefix of.
 */

/**
 * What a download's bytes are a prefix of, kept beside them from the moment the server's answer
 * arrives (`<file>.validator`): the URL and the server's validator for that version of the file
 * (a strong ETag, else Last-Modified), and who wrote them. A resume sends the validator as
 * If-Range, so a server whose file changed meanwhile answers the whole new file instead of the
 * rest of it (a review: the registry's URLs follow a branch and carry no checksum, and a file
 * replaced between two runs was cached as one version's first half and the next one's second,
 * which still parsed as a model). Written at the start, not when the transfer breaks: a run
 * killed outright (SIGKILL, out of memory, a closed terminal) leaves it too, and the next run
 * resumes from there (a second review: it started again from zero).
 */
interface ResumeRecord {
  url: string;
  /** Absent until the server has given one: the record then only says whose file it is. */
  validator?: string;
  pid?: number;
  pidns?: string;
  host?: string;
}

/** The validator If-Range may carry: a strong ETag (weak ones are not allowed there), else Last-Modified. */
export function getValidator(response: Response): string | undefined {
  const etag = response.headers.get('etag');
  if (etag && !etag.startsWith('W/')) return etag;
  return response.headers.get('last-modified') ?? undefined;
}

function readResumeRecord(file: string): ResumeRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<ResumeRecord>;
    return typeof record.url === 'string' ? record as ResumeRecord : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file this process downloads into, its own (`<target>.PID-RANDOM.download`): a partial
 * download an earlier run left is moved there before the transfer, and moved back to
 * `<target>.partial` if it breaks. With one shared file, a run whose lock was wrongly taken over
 * (a holder in another pid namespace looked dead: a review) still appended to it after the new
 * holder had renamed it to the model, and spoiled the verified model.
 */
export interface OwnFile {
  path: string;
  /** Bytes already in it (a resumed partial download), and the version they are of. */
  offset: number;
  validator?: string;
  /** Given back (or dropped) already: a signal's cleanups run twice, and the second must not undo the first. */
  settled?: boolean;
}

/** The own file's name pattern beside `target`, with the writer's pid (group 1). */
function ownFilePattern(target: string): RegExp {
  const base = path.basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${base}\\.(\\d+)-[0-9a-f]+\\.download$`);
}

/**
 * Whether the run that wrote `file` (described by its record, if it has one) is gone: on this
 * host and in this pid namespace, its pid no longer exists; elsewhere (a cache shared by
 * containers or hosts), where a pid means nothing here, the file has not changed for the lock's
 * stale time. The caller holds the download lock, so a live writer is one whose lock was taken wrongly.
 */
function isWriterGone(file: string, record: ResumeRecord | undefined, pid: number): boolean {
  if (record?.host === hostname() && record.pidns === getPidNamespace() && record.pid === pid) return !isAlive(pid);
  try {
    return Date.now() - statSync(file).mtimeMs > lockTimes.staleAfterMs;
  } catch {
    return false;
  }
}

/**
 * Moves the partial download this run can resume into its own file: the one a run gave back
 * (`<target>.partial`), else the longest a killed run left in its own file; removes those it
 * cannot resume (their version unknown, or another URL's) and dead runs' other files.
 */
export async function claimPartial(target: string, url: string): Promise<OwnFile> {
  const own: OwnFile = { path: `${target}.${process.pid}-${randomBytes(3).toString('hex')}.download`, offset: 0 };
  const dir = path.dirname(target);
  const pattern = ownFilePattern(target);
  const leftovers = readdirSync(dir).flatMap((name) => {
    const pid = Number(pattern.exec(name)?.[1]);
    const file = path.join(dir, name);
    const record = readResumeRecord(`${file}.validator`);
    return Number.isInteger(pid) && isWriterGone(file, record, pid) ? [{ file, record, size: getFileSizeSync(file) }] : [];
  });
  const given = readResumeRecord(`${target}.partial.validator`);
  const candidates = [
    ...(given ? [{ file: `${target}.partial`, record: given, size: getFileSizeSync(`${target}.partial`) }] : []),
    ...leftovers.filter((l) => l.record),
  ].filter((c) => c.record?.url === url && c.record.validator !== undefined && c.size > 0);
  const chosen = candidates.sort((a, b) => b.size - a.size)[0];
  if (chosen) {
    try {
      await rename(chosen.file, own.path);
      own.offset = chosen.size;
      own.validator = chosen.record?.validator;
    } catch {
      // Gone meanwhile: nothing to resume.
    }
  }
  for (const file of [`${target}.partial`, ...leftovers.map((l) => l.file)]) {
    if (file !== chosen?.file) await rm(file, { force: true });
    await rm(`${file}.validator`, { force: true });
  }
  // From here on a kill leaves a file the next run can judge (and resume, with a validator): a
  // second review lost an adopted download to a Ctrl-C before the server had answered.
  recordVersion(own, url);
  return own;
}

/** Records whose the own file is and what its bytes are: a run killed from here on leaves them judged, and with a validator resumable. */
export function recordVersion(own: OwnFile, url: string): void {
  writeFileSync(`${own.path}.validator`, JSON.stringify({ url, validator: own.validator, pid: process.pid, pidns: getPidNamespace(), host: hostname() } satisfies ResumeRecord));
}

/** Puts this run's own file back as the partial download the next run resumes, with its record; removes it where none can. Synchronous: also run on a signal. */
export function keepForResume(own: OwnFile, target: string, url: string): void {
  if (own.settled) return;
  own.settled = true;
  const record = `${own.path}.validator`;
  try {
    if (own.validator === undefined || getFileSizeSync(own.path) === 0) throw new Error('nothing to resume');
    recordVersion(own, url);
    renameSync(record, `${target}.partial.validator`);
    renameSync(own.path, `${target}.partial`);
  } catch {
    rmSync(own.path, { force: true });
    rmSync(record, { force: true });
    rmSync(`${target}.partial.validator`, { force: true });
  }
}

/** Removes what this run's own file left beside it (its record), once it became the model or was dropped. */
export function removeOwnRecord(own: OwnFile): void {
  rmSync(`${own.path}.validator`, { force: true });
}

function getFileSizeSync(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
