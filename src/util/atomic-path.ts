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

/** A hidden sibling name of `target`, unique to this process: `.NAME.PID-RANDOM.TAG.EXT`. */
function getSiblingName(target: string, tag: string): string {
  const { dir, base, ext } = path.parse(target);
  // Keep the extension last: ffmpeg picks the container from it.
  return path.join(dir, `.${base}.${process.pid}-${randomBytes(3).toString('hex')}.${tag}${ext}`);
}

/**
 * Puts `temp` at `target`. A file, or a folder onto a missing or empty folder, is one
 * rename (atomic). A folder onto a non-empty one cannot be: the old one is moved aside
 * first and moved back if the second rename fails, so something whole is always there.
 */
async function moveIntoPlace(temp: string, target: string, overwrite: boolean): Promise<void> {
  try {
    await rename(temp, target);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!overwrite || (code !== 'ENOTEMPTY' && code !== 'EEXIST')) throw error;
  }
  const aside = getSiblingName(target, 'replaced');
  await rename(target, aside);
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(aside, target);
    throw error;
  }
  await rm(aside, { recursive: true, force: true });
}

/** Creates the temp name (nothing is written yet) and registers its cleanup. */
export function createAtomicPath(target: string): AtomicPath {
  const temp = getSiblingName(target, 'partial');
  const unregister = removeOnCleanup(temp);
  return {
    temp,
    target,
    async commit(overwrite = false) {
      await moveIntoPlace(temp, target, overwrite);
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
