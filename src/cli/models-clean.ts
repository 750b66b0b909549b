import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { cacheLeftoverQuietMs, explainCacheWriteError, getCacheDir } from '../model/index.js';
import { isLeftOfGoneRun } from '../util/stale-leftovers.js';
import { countOf } from './count-of.js';

/** The names `track` gives the models it prepares (model digest, preparation version, HxW); nothing else there is removed. */
const preparedName = /^[0-9a-f]+-prep\d+-\d+x\d+\.onnx$/;

/**
 * The temporary copy a run writes before renaming it to a prepared name (`.NAME.PID-RANDOM.partial.onnx`,
 * util/atomic-path.ts), with the writer's pid: a run killed while writing it left it, up to a
 * model's size, which no run removed (a review).
 */
const leftoverName = /^\.[0-9a-f]+-prep\d+-\d+x\d+\.onnx\.(\d+)-[0-9a-f]+\.partial\.onnx$/;

/** Whether `name` in the prepared folder is this command's to remove: a prepared model, or a dead run's temporary copy of one (cacheLeftoverQuietMs). */
function isRemovable(folder: string, name: string): boolean {
  return preparedName.test(name) || isLeftOfGoneRun(path.join(folder, name), Number(leftoverName.exec(name)?.[1]), cacheLeftoverQuietMs);
}

/**
 * `models clean`: removes the prepared models `track` cached, one per model and input size,
 * which are never evicted (and what killed runs left while writing one); a later run prepares
 * what it needs again (a few seconds). Downloaded models stay (`models pull` fetched them; they
 * cost a download).
 */
export function runModelsClean(): void {
  const folder = path.join(getCacheDir(), 'prepared');
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => isRemovable(folder, name));
  } catch (error) {
    // No folder: nothing was ever prepared. Any other failure is said, not reported as nothing removed.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw explainCacheWriteError(error);
    names = [];
  }
  let bytes = 0;
  let removed = 0;
  for (const name of names) {
    const file = path.join(folder, name);
    try {
      const { size } = statSync(file);
      rmSync(file);
      bytes += size;
      removed += preparedName.test(name) ? 1 : 0;
    } catch (error) {
      // Removed meanwhile (another clean, or the run that wrote it renamed it): nothing to do.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw explainCacheWriteError(error);
    }
  }
  process.stderr.write(`dino-track: removed ${countOf(removed, 'prepared model')} (${(bytes / 2 ** 20).toFixed(1)} MiB) from ${folder}; track prepares them again when needed\n`);
}
