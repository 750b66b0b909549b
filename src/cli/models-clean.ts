import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { explainCacheWriteError, getCacheDir } from '../model/index.js';
import { countOf } from './count-of.js';

/** The names `track` gives the models it prepares (model digest, preparation version, HxW); nothing else there is removed. */
const preparedName = /^[0-9a-f]+-prep\d+-\d+x\d+\.onnx$/;

/**
 * `models clean`: removes the prepared models `track` cached, one per model and input size,
 * which are never evicted; a later run prepares what it needs again (a few seconds).
 * Downloaded models stay (`models pull` fetched them; they cost a download).
 */
export function runModelsClean(): void {
  const folder = path.join(getCacheDir(), 'prepared');
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => preparedName.test(name));
  } catch {
    names = [];
  }
  let bytes = 0;
  for (const name of names) {
    const file = path.join(folder, name);
    bytes += statSync(file).size;
    try {
      rmSync(file, { force: true });
    } catch (error) {
      throw explainCacheWriteError(error);
    }
  }
  process.stderr.write(`dino-track: removed ${countOf(names.length, 'prepared model')} (${(bytes / 2 ** 20).toFixed(1)} MiB) from ${folder}; track prepares them again when needed\n`);
}
