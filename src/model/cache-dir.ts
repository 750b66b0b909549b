import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ExternalError, UsageError } from '../errors.js';

/** The cache folder and what chose it, for the message when it cannot be one. */
function locateCacheDir(): { dir: string; setBy: string } {
  if (process.env.DINO_TRACK_CACHE) return { dir: path.resolve(process.env.DINO_TRACK_CACHE), setBy: 'DINO_TRACK_CACHE' };
  // The XDG spec: a relative path there is invalid and is ignored (it put the cache under whatever folder a run started in: a review).
  if (process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME)) return { dir: path.join(process.env.XDG_CACHE_HOME, 'dino-track'), setBy: 'XDG_CACHE_HOME' };
  return { dir: path.join(os.homedir(), '.cache', 'dino-track'), setBy: 'the default' };
}

/**
 * $DINO_TRACK_CACHE, else $XDG_CACHE_HOME/dino-track (when absolute), else ~/.cache/dino-track. A path
 * that exists as something else than a folder (or lies under a file) is refused here, the
 * one place it is resolved: `track` failed with a raw ENOTDIR from mkdir, and `models
 * clean` said it removed nothing from <file>/prepared, rc 0. A missing folder is made when
 * something is first cached.
 * @throws UsageError (exit 2) naming the variable to change
 */
export function getCacheDir(): string {
  const { dir, setBy } = locateCacheDir();
  let isFolder = true;
  try {
    isFolder = statSync(dir).isDirectory();
  } catch (error) {
    // Missing is fine (made when needed); other failures (EACCES) are reported by what uses it.
    isFolder = (error as NodeJS.ErrnoException).code !== 'ENOTDIR';
  }
  if (isFolder) return dir;
  if (setBy === 'DINO_TRACK_CACHE') throw new UsageError(`DINO_TRACK_CACHE=${process.env.DINO_TRACK_CACHE} is not a folder; point it at a folder (or unset it)`);
  throw new UsageError(`the model cache ${dir} (${setBy === 'XDG_CACHE_HOME' ? 'from XDG_CACHE_HOME' : 'the default'}) is not a folder; move it away, or set DINO_TRACK_CACHE to a folder`);
}

/** The file system's answers that mean a folder cannot be written to: permissions, a read-only mount. */
const notWritableCodes = new Set(['EACCES', 'EPERM', 'EROFS']);

/** The code when `error` says a path cannot be written (a FolderError carries its mkdir's code); undefined for other failures. */
function getNotWritableCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && notWritableCodes.has(code) ? code : undefined;
}

/** The file system's answers that mean a disk (or the user's quota) is full. */
const fullCodes = new Set(['ENOSPC', 'EDQUOT']);

/**
 * What to say when writing into the cache failed because it cannot be written, or its disk is
 * full: the cache folder and its fixes, not the generic "choose another -o" (-o is not the
 * problem; `models pull` has none: the 24th session's full disk) nor "run again to resume" (it
 * never helps). Other failures come back as they were.
 */
export function explainCacheWriteError(error: unknown): unknown {
  const code = getNotWritableCode(error);
  if (code) return new ExternalError(`${describeUnwritableCache(code)}; set DINO_TRACK_CACHE to a writable folder or fix its permissions`, { cause: error });
  const full = (error as { code?: unknown } | undefined)?.code;
  if (typeof full === 'string' && fullCodes.has(full)) {
    return new ExternalError(`no space left in the model cache ${getCacheDir()} (${full}); free some space, or set DINO_TRACK_CACHE to a folder on a larger disk`, { cause: error });
  }
  return error;
}

/** `the model cache DIR is not writable (CODE)`, or undefined when `error` is not about writing. */
export function describeUnwritableCacheError(error: unknown): string | undefined {
  const code = getNotWritableCode(error);
  return code ? describeUnwritableCache(code) : undefined;
}

function describeUnwritableCache(code: string): string {
  return `the model cache ${getCacheDir()} is not writable (${code})`;
}
