import { makeFolders } from '../util/make-folders.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExternalError } from '../errors.js';
import { noteKeptOnSignal } from '../util/cleanup.js';
import { acquireDownloadLock } from './download-lock.js';

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
}

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

function describeNetworkError(error: unknown): string {
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
 * Downloads a file with resume: bytes go to `<target>.partial`, a later call continues
 * from there with an HTTP range request when the server allows it, and only a complete,
 * verified file is renamed to `target`. One process at a time downloads a target (a lock
 * beside it); another waits, then takes the finished file or resumes the partial one. A
 * download that fails leaves no folder it made and no lock.
 * @throws ExternalError when offline, on HTTP errors, short transfers or a checksum mismatch.
 */
export async function downloadFile(options: DownloadOptions): Promise<void> {
  const { target } = options;
  const made = makeFolders(path.dirname(target));
  try {
    const lock = await acquireDownloadLock(`${target}.lock`, (holder) => options.onWait?.(`waiting for ${holder} to finish downloading ${target}`));
    try {
      // A run this one waited for, or one that finished just before the lock was free, made the file: it is used as it is (a review: it was downloaded again, whole).
      if ((await getFileSize(target)) > 0) return;
      await transferFile(options);
    } finally {
      lock.release();
    }
  } catch (error) {
    await removeEmptyFolders(made);
    throw error;
  }
}

/** One download into `<target>.partial` (resumed where it stopped), renamed to `target` once complete and verified. */
async function transferFile(options: DownloadOptions): Promise<void> {
  const { url, target } = options;
  const partial = `${target}.partial`;
  const offset = await getFileSize(partial);
  let response: Response;
  try {
    // identity: the file's own bytes, so that the lengths the server states are the file's.
    const headers: Record<string, string> = { 'Accept-Encoding': 'identity', ...(offset > 0 ? { Range: `bytes=${offset}-` } : {}) };
    response = await fetch(url, { headers, redirect: 'follow' });
  } catch (error) {
    throw new ExternalError(`cannot download ${url} (${describeNetworkError(error)}); check the network, ${options.offlineAdvice ?? 'or pass --model PATH.onnx to use a local model'}`, { cause: error });
  }
  if (response.status === 416 && offset > 0) {
    // The partial file is not a prefix the server recognises: start over.
    await rm(partial, { force: true });
    return transferFile(options);
  }
  if (response.status !== 200 && response.status !== 206) {
    throw new ExternalError(`cannot download ${url}: the server answered HTTP ${response.status}; check the URL or DINO_TRACK_MODEL_BASE_URL`);
  }
  const resuming = response.status === 206;
  const expected = options.size ?? getStatedSize(response);
  // Opened before the body is read, so that a folder that cannot be written fails as that, not as a broken transfer.
  const sink = await open(partial, resuming ? 'a' : 'w').catch(async (error: unknown) => {
    await response.body?.cancel();
    throw error;
  });
  // Kept on Ctrl-C as on a broken connection: it is a prefix of the file, and the next run resumes it.
  const unregister = noteKeptOnSignal(`the download in ${partial} is kept: the next run resumes it`);
  let received = resuming ? offset : 0;
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => {
      received += chunk.length;
      options.onProgress?.(received, expected);
    });
    await pipeline(body, sink.createWriteStream());
  } catch (error) {
    throw new ExternalError(`download of ${url} broke off after ${received} bytes (${describeNetworkError(error)}); run the command again to resume`, { cause: error });
  } finally {
    unregister();
  }
  const size = await getFileSize(partial);
  if (expected !== undefined && size !== expected) {
    if (size > expected) await rm(partial, { force: true });
    throw new ExternalError(`download of ${url} is incomplete (${size} of ${expected} bytes); run the command again to resume`);
  }
  if (options.sha256) {
    const actual = await hashFile(partial);
    if (actual !== options.sha256.toLowerCase()) {
      await rm(partial, { force: true });
      throw new ExternalError(`download of ${url} is corrupt (sha256 ${actual.slice(0, 12)}… instead of ${options.sha256.slice(0, 12)}…); it was deleted, run the command again`);
    }
  }
  if (options.verify) {
    try {
      await options.verify(partial);
    } catch (error) {
      await rm(partial, { force: true });
      throw new ExternalError(`download of ${url} is not what was asked for (${(error as Error).message.split(';')[0]}); it was deleted: check DINO_TRACK_MODEL_BASE_URL, a proxy or the network, then run the command again`, { cause: error });
    }
  }
  await rename(partial, target);
}
