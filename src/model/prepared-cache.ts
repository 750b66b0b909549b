import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from '../util/atomic-path.js';
import { removeDeadPartials } from '../util/stale-leftovers.js';
import { describeUnwritableCacheError, getCacheDir } from './cache-dir.js';
import { decodeModel } from './onnx-graph.js';
import { inspectModel, preparationVersion } from './prepare.js';

/**
 * Where the prepared copy of a model for one input size is cached: keyed by the source's
 * sha256, the preparation version (older code's graphs are never reused) and the size.
 */
export function getPreparedModelPath(source: Uint8Array, height: number, width: number): string {
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  return path.join(getCacheDir(), 'prepared', `${digest}-prep${preparationVersion}-${height}x${width}.onnx`);
}

/** Whether `bytes` parse as a graph prepared for height x width (a cut-short or emptied file does not). */
function isPreparedFor(bytes: Uint8Array, file: string, height: number, width: number): boolean {
  try {
    const structure = inspectModel(decodeModel(bytes, file), file);
    return structure.prepared && structure.inputHeight === height && structure.inputWidth === width;
  } catch {
    return false;
  }
}

/**
 * The cached prepared copy's bytes; undefined when there is none, or when it is damaged (a
 * disk filled up, a copy cut short): the cache is the tool's own, so a damaged copy is said
 * in one line and prepared again rather than failing the run in onnxruntime.
 */
export async function readPreparedCopy(file: string, height: number, width: number, notify?: (line: string) => void): Promise<Uint8Array | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch {
    return undefined;
  }
  if (isPreparedFor(bytes, file, height, width)) return bytes;
  notify?.(`the cached prepared model ${file} is damaged; preparing it again`);
  return undefined;
}

/** What keeps a prepared copy out of the cache, and how to let it in; undefined for other failures. */
function describeUncacheable(error: unknown): string | undefined {
  const unwritable = describeUnwritableCacheError(error);
  if (unwritable) return `${unwritable}: the prepared model is used from memory and prepared again on every run; set DINO_TRACK_CACHE to a writable folder or fix its permissions to keep it`;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return `no space left in the model cache ${getCacheDir()} for the prepared model (${code}): it is used from memory and prepared again on every run; free some space, or set DINO_TRACK_CACHE to a folder on a larger disk, to keep it`;
  }
  return undefined;
}

/**
 * A temporary copy in the cache is a dead run's only when its pid is gone here and it has not
 * changed for this long: a cache shared by containers or hosts holds live writers whose pids mean
 * nothing here (a review: a second container's run deleted a live run's copy, which then failed
 * renaming it). A copy is written in one go, in seconds; the download lock waits as long.
 */
export const cacheLeftoverQuietMs = 60_000;

/**
 * Caches a prepared copy (replacing a damaged one) through a temporary sibling, so readers
 * never see half of it; whether it was cached. A cache that cannot be written (read-only,
 * another user's, or full) is no reason to fail a run that has the graph in memory already:
 * a notice says so and how to keep the copy, since every run now prepares it again (a full
 * disk failed the run, advising another -o: a review). Temporary copies of killed runs go first.
 * @throws what writing threw for other failures
 */
export async function savePreparedCopy(file: string, bytes: Uint8Array, notify?: (line: string) => void, write: (file: string, bytes: Uint8Array, overwrite: boolean) => Promise<void> = writeFileAtomically): Promise<boolean> {
  removeDeadPartials(file, cacheLeftoverQuietMs);
  try {
    await write(file, bytes, true);
    return true;
  } catch (error) {
    const notice = describeUncacheable(error);
    if (!notice) throw error;
    notify?.(notice);
    return false;
  }
}
