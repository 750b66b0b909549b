import { makeFolders } from '../util/make-folders.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExternalError } from '../errors.js';
import { noteKeptOnSignal, onCleanup } from '../util/cleanup.js';
import { acquireDownloadLock } from './download-lock.js';
import { claimPartial, getValidator, keepForResume, recordVersion, removeOwnRecord, type OwnFile } from './download-resume.js';

export interface DownloadOptions {
  url: string;
  /** Final path; the download lives at `<target>.partial` until verified. */
  target: string;
  size?: number | null;
  sha256?: string | null;
  onProgress?: (received: number, total: number | undefined) => void;
  /** What to do when offline, after "check the network" (the caller knows the command). */
  offlineAdvice?: string;
  /**
   * Checks the complete download before it takes the target's name (throws when it is not
   * what was asked for: a proxy's or captive portal's page has the right to any length).
   */
  verify?: (file: string) => Promise<void>;
  /** Told once, with who holds it, when another process is downloading the same file and this one waits for it. */
  onWait?: (line: string) => void;
  /** Gives up when the server has sent nothing for this long (default `idleTimeoutMs`). */
  idleTimeoutMs?: number;
  /** Stops the download (and a wait for another run's) when aborted; what came is kept for a resume. */
  signal?: AbortSignal;
}

/**
 * A server that has sent nothing for this long has stalled: undici's own limits wait five
 * minutes and end in a raw code (a review), and a trickle never ends. A minute is far beyond
 * any pause of a working server or connection.
 */
const idleTimeoutMs = 60_000;

async function getFileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** The network failure's code or message; the idle timeout's own reason when it aborted the transfer. */
function describeNetworkError(error: unknown, signal?: AbortSignal): string {
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason.message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/**
 * The whole file's length as the server states it, when it does. A body sent encoded (a
 * mirror that gzips whatever it serves, even when asked for identity) is decoded by fetch,
 * and its Content-Length counts the encoded bytes: the file's length is then not stated.
 */
function getStatedSize(response: Response): number | undefined {
  const encoding = response.headers.get('content-encoding') ?? 'identity';
  if (encoding.toLowerCase() !== 'identity') return undefined;
  const stated = response.status === 206
    ? Number(response.headers.get('content-range')?.split('/')[1] ?? NaN)
    : Number(response.headers.get('content-length') ?? NaN);
  return Number.isFinite(stated) ? stated : undefined;
}

/** Removes the folders a failed download made, innermost first, where nothing else came into them; never throws. */
async function removeEmptyFolders(folders: string[]): Promise<void> {
  for (const folder of [...folders].reverse()) await rmdir(folder).catch(() => undefined);
}

/**
 * Downloads a file with resume: a broken download is kept as `<target>.partial`, a later call
 * continues from there with an HTTP range request when the server allows it and still has
 * that version of the file, and only a complete, verified file is renamed to `target`. One process at a time downloads a target (a lock
 * beside it); another waits, then takes the finished file or resumes the partial one. A
 * download that fails leaves no folder it made and no lock.
 * @throws ExternalError when offline, on HTTP errors, short transfers or a checksum mismatch.
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  const { target } = options;
  options.signal?.throwIfAborted();
  const made = makeFolders(path.dirname(target));
  try {
    const lock = await acquireDownloadLock(`${target}.lock`, (holder) => options.onWait?.(`waiting for ${holder} to finish downloading ${target}`), options.signal);
    try {
      // A run this one waited for, or one that finished just before the lock was free, made the
      // file: it is used as it is (a review: it was downloaded again, whole). A partial download
      // beside it (left by a run whose lock was taken) would never be resumed: it goes.
      if ((await getFileSize(target)) > 0) {
        await Promise.all([rm(`${target}.partial`, { force: true }), rm(`${target}.partial.validator`, { force: true })]);
        return;
      }
      await transferFile(options);
    } finally {
      lock.release();
    }
  } catch (error) {
    await removeEmptyFolders(made);
    throw error;
  }
}

/** An error the transfer keeps its bytes for: a prefix of the file, which the next run resumes. */
class ResumableError extends ExternalError {}

/**
 * The error class for a failure before any byte of the answer was written: the bytes a resume
 * started from are still a prefix of their version, and are kept (a review: being offline, or a
 * 503, on the retry threw the partial download away).
 */
function failureKeeping(own: OwnFile): typeof ExternalError {
  return own.offset > 0 && own.validator !== undefined ? ResumableError : ExternalError;
}

/**
 * One download into this run's own file (resuming an earlier run's partial download where the
 * server still has that version), renamed to `target` once complete and verified.
 */
async function transferFile(options: DownloadOptions): Promise<void> {
  const { url, target } = options;
  const own = await claimPartial(target, url);
  // Kept on Ctrl-C as on a broken connection: it is a prefix of the file, and the next run resumes it.
  const unregisterCleanup = onCleanup(() => keepForResume(own, target, url));
  const unregisterNote = noteKeptOnSignal(`the download in ${target}.partial is kept: the next run resumes it`);
  try {
    await receiveInto(own, options);
    await checkDownload(own.path, options);
    await rename(own.path, target);
    removeOwnRecord(own);
  } catch (error) {
    // Stopped by the caller's signal, too: what came is a prefix, kept as on Ctrl-C.
    if (error instanceof ResumableError || options.signal?.aborted) keepForResume(own, target, url);
    else {
      await rm(own.path, { force: true });
      removeOwnRecord(own);
    }
    throw error;
  } finally {
    unregisterCleanup();
    unregisterNote();
  }
}

/** What a failed response status means for the user. */
function describeStatus(url: string, status: number): string {
  // 429 and 5xx are the server's trouble, which passes; the others are a URL it does not serve (or not to us).
  if (status === 429 || status >= 500) return `cannot download ${url}: the server answered HTTP ${status} (a problem on the server's side); try again later`;
  return `cannot download ${url}: the server answered HTTP ${status}; check the URL or DINO_TRACK_MODEL_BASE_URL`;
}

/**
 * Whether a 206 is the rest of the version this run holds the start of: from the offset asked
 * for, and of the same version. A server or proxy that ignores If-Range sends the rest of
 * whatever it has now, and one that answers another range would leave a gap (a review: the
 * mix of two versions came back through such a server).
 */
function continuesOwnFile(response: Response, own: OwnFile): boolean {
  const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
  return start === own.offset && getValidator(response) === own.validator;
}

/** Whether a 416 says the file is exactly as long as the bytes this run holds (its Content-Range then gives only the length). */
function isWholeAlready(response: Response, own: OwnFile): boolean {
  const length = Number(/^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1]);
  return own.offset > 0 && length === own.offset;
}

/**
 * Streams the file (or the rest of it) into `own`, giving up once the server has sent nothing for
 * `idleTimeoutMs`, or at once when the caller's signal aborts (its reason is thrown). A resume the
 * server cannot continue (416, or a 206 that is not the rest of this version) starts over, once.
 */
async function receiveInto(own: OwnFile, options: DownloadOptions, restarted = false): Promise<void> {
  const { url, target } = options;
  const idleMs = options.idleTimeoutMs ?? idleTimeoutMs;
  const idleAbort = new AbortController();
  const caller = options.signal;
  // The caller's signal aborts the transfer too (AbortSignal.any is Node 20.3 and later; forwarded by hand before).
  caller?.throwIfAborted(); // an abort before the listener is added (it fires only for later ones)
  const forward = (): void => idleAbort.abort(caller?.reason);
  caller?.addEventListener('abort', forward, { once: true });
  const { signal } = idleAbort;
  let idle: NodeJS.Timeout | undefined;
  const stillAlive = (): void => {
    clearTimeout(idle);
    idle = setTimeout(() => idleAbort.abort(new Error(`the server sent nothing for ${idleMs / 1000} s`)), idleMs);
  };
  stillAlive();
  try {
    let response: Response;
    try {
      // identity: the file's own bytes, so that the lengths the server states are the file's.
      const resume: Record<string, string> = own.offset > 0 && own.validator !== undefined ? { Range: `bytes=${own.offset}-`, 'If-Range': own.validator } : {};
      response = await fetch(url, { headers: { 'Accept-Encoding': 'identity', ...resume }, redirect: 'follow', signal });
    } catch (error) {
      options.signal?.throwIfAborted();
      throw new (failureKeeping(own))(`cannot download ${url} (${describeNetworkError(error, idleAbort.signal)}); check the network, ${options.offlineAdvice ?? 'or pass --model PATH.onnx to use a local model'}`, { cause: error });
    }
    const resuming = response.status === 206 && own.offset > 0;
    if (response.status === 416 && isWholeAlready(response, own)) {
      // Nothing left to send: the partial download is the whole file (a run stopped while it checked
      // it). Whole, it is one version, whichever; the checks that follow judge it as any download.
      await response.body?.cancel();
      return;
    }
    if (!restarted && own.offset > 0 && (response.status === 416 || (resuming && !continuesOwnFile(response, own)))) {
      // The partial file is not a prefix the server continues (another version, or a length it does not have): start over.
      await response.body?.cancel();
      Object.assign(own, { offset: 0, validator: undefined });
      return await receiveInto(own, options, true);
    }
    if (response.status !== 200 && !resuming) throw new (failureKeeping(own))(describeStatus(url, response.status));
    const expected = options.size ?? getStatedSize(response);
    // Opened before the body is read, so that a folder that cannot be written fails as that, not as a
    // broken transfer; a whole file (200, also to a resume: the server changed it or takes no ranges)
    // empties it, and only then is it recorded as this version.
    const sink = await open(own.path, resuming ? 'a' : 'w').catch(async (error: unknown) => {
      await response.body?.cancel();
      throw error;
    });
    own.offset = resuming ? own.offset : 0;
    own.validator = resuming ? own.validator : getValidator(response);
    let received = own.offset;
    try {
      recordVersion(own, url);
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => {
        stillAlive();
        received += chunk.length;
        options.onProgress?.(received, expected);
      });
      await pipeline(body, sink.createWriteStream());
    } catch (error) {
      options.signal?.throwIfAborted();
      throw describeBrokenTransfer(error, url, target, received, expected, idleAbort.signal);
    }
    const size = await getFileSize(own.path);
    if (expected !== undefined && size < expected) throw new ResumableError(`download of ${url} is incomplete (${size} of ${expected} bytes); run the command again to resume`);
    if (expected !== undefined && size > expected) throw new ExternalError(`download of ${url} is longer than the server said (${size} of ${expected} bytes); it was deleted, run the command again`);
  } finally {
    clearTimeout(idle);
    caller?.removeEventListener('abort', forward);
  }
}

/** Why a transfer broke off, and what to do: a full disk is not fixed by running again. */
function describeBrokenTransfer(error: unknown, url: string, target: string, received: number, expected: number | undefined, signal: AbortSignal): ExternalError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const needed = expected === undefined ? '' : ` (the file is ${(expected / 1e6).toFixed(1)} MB)`;
    return new ResumableError(`no space left in ${path.dirname(target)} for the download of ${url} after ${received} bytes (${code}); free some space${needed} or set DINO_TRACK_CACHE to a folder on a larger disk, then run the command again`, { cause: error });
  }
  return new ResumableError(`download of ${url} broke off after ${received} bytes (${describeNetworkError(error, signal)}); run the command again to resume`, { cause: error });
}

/** Checks a complete download against its checksum and `verify`; a file that fails them is deleted (by the caller). */
async function checkDownload(file: string, options: DownloadOptions): Promise<void> {
  const { url } = options;
  if (options.sha256) {
    const actual = await hashFile(file);
    if (actual !== options.sha256.toLowerCase()) {
      throw new ExternalError(`download of ${url} is corrupt (sha256 ${actual.slice(0, 12)}… instead of ${options.sha256.slice(0, 12)}…); it was deleted, run the command again`);
    }
  }
  if (options.verify) {
    try {
      await options.verify(file);
    } catch (error) {
      throw new ExternalError(`download of ${url} is not what was asked for (${(error as Error).message.split(';')[0]}); it was deleted: check DINO_TRACK_MODEL_BASE_URL, a proxy or the network, then run the command again`, { cause: error });
    }
  }
}
