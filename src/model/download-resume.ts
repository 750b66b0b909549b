import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { removeDeadDownloads } from '../util/stale-leftovers.js';

/**
 * Resuming a download safely (download.ts): each run downloads into a file of its own, and a
 * broken download is kept as `<target>.partial` with what it is a prefix of.
 */

async function getFileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

/**
 * What a partial download is a prefix of, kept beside it (`<partial>.validator`): the URL and
 * the server's validator for that version of the file (a strong ETag, else Last-Modified). A
 * resume sends it as If-Range, so a server whose file changed meanwhile answers the whole new
 * file instead of the rest of it (a review: the registry's URLs follow a branch and carry no
 * checksum, and a file replaced between two runs was cached as one version's first half and the
 * next one's second, which still parsed as a model).
 */
interface ResumeRecord {
  url: string;
  validator: string;
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
    return typeof record.url === 'string' && typeof record.validator === 'string' ? { url: record.url, validator: record.validator } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The file this process downloads into, its own (`<target>.PID-RANDOM.download`): the partial
 * download left by an earlier run is moved there before the transfer and moved back if it breaks.
 * With one shared file, a run whose lock was wrongly taken over (a holder in another pid
 * namespace looked dead: a review) still appended to it after the new holder had renamed it to
 * the model, and spoiled the verified model.
 */
export interface OwnFile {
  path: string;
  /** Bytes already in it (a resumed partial download), and the version they are of. */
  offset: number;
  validator?: string;
}

/** Moves a partial download this run can resume into its own file; removes one it cannot (its version unknown). */
export async function claimPartial(target: string, url: string): Promise<OwnFile> {
  const partial = `${target}.partial`;
  const recordFile = `${partial}.validator`;
  const own: OwnFile = { path: `${target}.${process.pid}-${randomBytes(3).toString('hex')}.download`, offset: 0 };
  removeDeadDownloads(target);
  const record = readResumeRecord(recordFile);
  if (record?.url === url) {
    try {
      await rename(partial, own.path);
      own.offset = await getFileSize(own.path);
      own.validator = record.validator;
    } catch {
      // No partial download to resume.
    }
  }
  await rm(partial, { force: true });
  await rm(recordFile, { force: true });
  return own;
}

/** Puts this run's own file back as the partial download the next run resumes, with its validator; removes it where none can. Synchronous: also run on a signal. */
export function keepForResume(own: OwnFile, target: string, url: string): void {
  try {
    if (own.validator === undefined || getFileSizeSync(own.path) === 0) {
      rmSync(own.path, { force: true });
      return;
    }
    writeFileSync(`${target}.partial.validator`, JSON.stringify({ url, validator: own.validator } satisfies ResumeRecord));
    renameSync(own.path, `${target}.partial`);
  } catch {
    rmSync(own.path, { force: true });
  }
}

function getFileSizeSync(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}
