import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { removeOnCleanup } from './cleanup.js';

/**
 * A temporary sibling of an output path: written in full, then renamed into place, so
 * the target holds either nothing or a complete result. Deleted if the run stops.
 */
export interface AtomicPath {
  /** Where to write. */
  temp: string;
  target: string;
  /** Moves the finished temporary into place, replacing an existing target when `overwrite`. */
  commit(overwrite?: boolean): Promise<void>;
  /** Deletes the temporary. */
  discard(): Promise<void>;
}

/** Creates the temp name (nothing is written yet) and registers its cleanup. */
export function createAtomicPath(target: string): AtomicPath {
  const { dir, base, ext } = path.parse(target);
  // Keep the extension last: ffmpeg picks the container from it.
  const temp = path.join(dir, `.${base}.${process.pid}-${randomBytes(3).toString('hex')}.partial${ext}`);
  const unregister = removeOnCleanup(temp);
  return {
    temp,
    target,
    async commit(overwrite = false) {
      // rename() replaces a file but not a non-empty directory: clear it first when allowed.
      if (overwrite) await rm(target, { recursive: true, force: true });
      await rename(temp, target);
      unregister();
    },
    async discard() {
      await rm(temp, { recursive: true, force: true });
      unregister();
    },
  };
}

/** Writes a whole file through a temporary sibling, so readers never see half of it. */
export async function writeFileAtomically(file: string, bytes: Uint8Array): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const output = createAtomicPath(file);
  try {
    await writeFile(output.temp, bytes);
    await output.commit();
  } catch (error) {
    await output.discard();
    throw error;
  }
}
