import { makeFolders } from './make-folders.js';
import { randomBytes } from 'node:crypto';
import { link, readdir, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { isStopping, noteKeptOnSignal, onStop, removeOnCleanup } from './cleanup.js';
import { getSiblingStem, holdsOnlyBrowserFiles, isOperatingSystemFile } from './paths.js';

/**
 * A temporary sibling of an output path: written in full, then renamed into place, so
 * the target holds either nothing or a complete result. Deleted if the run stops.
 */
export interface AtomicPath {
  /** Where to write. */
  temp: string;
  target: string;
  /**
   * Moves the finished temporary into place, replacing an existing target only when
   * `overwrite`; otherwise an existing target (one that appeared while the run worked) fails it
   * with EEXIST and the temporary stays.
   */
  commit(overwrite: boolean): Promise<void>;
  /** Whether `commit` has put the temporary at the target. */
  readonly placed: boolean;
  /** Deletes the temporary. */
  discard(): Promise<void>;
  /** Moves the finished temporary to the first free name of `TARGET-new`, `TARGET-new-2`, … instead of the target; returns that name. */
  keepBeside(): Promise<string>;
}

/** The first of `NAME-new.EXT`, `NAME-new-2.EXT`, … beside `target` that does not exist. */
async function getFreeSibling(target: string): Promise<string> {
  const { dir, name, ext } = path.parse(target);
  // Shortened as hidden siblings are where the suffix would not fit in a name (a review: 252-255-byte names).
  const stem = getSiblingStem(name, ext);
  for (let k = 1; ; k++) {
    const candidate = path.join(dir, `${stem}-new${k === 1 ? '' : `-${k}`}${ext}`);
    if (!(await stat(candidate).catch(() => undefined))) return candidate;
  }
}

/** A hidden sibling name of `target`, unique to this process: `.NAME.PID-RANDOM.TAG.EXT` (NAME shortened where it must be: getSiblingStem). */
function getSiblingName(target: string, tag: string): string {
  const { dir, base, ext } = path.parse(target);
  // Keep the extension last: ffmpeg picks the container from it.
  return path.join(dir, `.${getSiblingStem(base, ext)}.${process.pid}-${randomBytes(3).toString('hex')}.${tag}${ext}`);
}

/** Moves `target`'s files into the folder `temp` when a file browser's notes (in it or its subfolders) are all it holds; whether it did. */
async function takeBrowserFiles(target: string, temp: string): Promise<boolean> {
  if (!holdsOnlyBrowserFiles(target) || !(await stat(temp)).isDirectory()) return false;
  return moveInto(target, temp);
}

/**
 * Moves what `from` holds into `to`, merging subfolders `to` has too; whether `from` is empty
 * after (a name `to` already has as a file stays, and a move that fails leaves its entry: the
 * caller then replaces the folder as a whole, or refuses, rather than rename onto it: a review).
 */
async function moveInto(from: string, to: string): Promise<boolean> {
  let emptied = true;
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const [source, destination] = [path.join(from, entry.name), path.join(to, entry.name)];
    const there = await stat(destination).catch(() => undefined);
    const moved = !there
      ? await rename(source, destination).then(() => true, () => false)
      : entry.isDirectory() && there.isDirectory() && (await moveInto(source, destination)) && (await rmdir(source).then(() => true, () => false));
    emptied &&= moved;
  }
  return emptied;
}

/**
 * Moves a file browser's notes in the folder `from` into the folder `to` (where it has none of
 * that name), and those in each subfolder into `to`'s subfolder of the same name where there is
 * one: Explorer and Finder leave them in the folder they show, which is `masks/` more often than
 * the output's top (a first-time user's `masks/Thumbs.db` was deleted by `--overwrite`). Notes in
 * a folder the new output does not have (masks/ after a run without davis) go with that folder,
 * as the thumbnails of its images would, unless notes are all that folder holds.
 */
async function takeBrowserFilesFrom(from: string, to: string): Promise<void> {
  if (!(await stat(to).catch(() => undefined))?.isDirectory()) return;
  for (const entry of await readdir(from, { withFileTypes: true }).catch(() => [])) {
    const [source, destination] = [path.join(from, entry.name), path.join(to, entry.name)];
    // A folder of notes alone was never an output's: it stays whole (masks/ with notes only, beside a coco output).
    if (entry.isDirectory() && holdsOnlyBrowserFiles(source) && !(await stat(destination).catch(() => undefined))) await rename(source, destination).catch(() => undefined);
    else if (entry.isDirectory()) await takeBrowserFilesFrom(source, destination);
    else if (entry.isFile() && isOperatingSystemFile(entry.name) && !(await stat(destination).catch(() => undefined))) await rename(source, destination).catch(() => undefined);
  }
}

/**
 * What `link` answers where the file system has no hard links (FAT and exFAT on Linux: EPERM;
 * some FUSE and SMB mounts: ENOTSUP; FAT and exFAT on Windows: EISDIR, libuv's name for the
 * ERROR_INVALID_FUNCTION that CreateHardLinkW returns there, nodejs/node#65817): no model could
 * be downloaded there, with a false "not writable" or a raw code (a review). A folder just
 * written to, so EPERM here is not a permission; link(2) never answers EISDIR on Linux, and a
 * folder at the target is still found by the checks that follow (a stat, or an exclusive create).
 */
export const noHardLinkCodes = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EISDIR']);

/**
 * Puts the file `temp` at `target` only where nothing is: rename() replaces a file without a
 * word (a review: a file of the user's that appeared at -o while the run worked was replaced
 * by the overlay), link() does not. Without hard links, a check just before the rename.
 * @throws EEXIST where `target` exists; `temp` stays
 */
async function placeFileWhereNone(temp: string, target: string): Promise<void> {
  try {
    await link(temp, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined || !noHardLinkCodes.has(code)) throw error;
    if (await stat(target).catch(() => undefined)) throw Object.assign(new Error(`EEXIST: file already exists, rename '${temp}' -> '${target}'`), { code: 'EEXIST' });
    await rename(temp, target);
    return;
  }
  await rm(temp, { force: true });
}

/**
 * Puts `temp` at `target`. A file, or a folder onto a missing or empty folder, is one
 * rename (atomic); a file onto an existing one only with `overwrite`. A folder onto a
 * non-empty one cannot be: the old one is moved aside first and moved back if the second
 * rename fails, so something whole is always there.
 */
async function moveIntoPlace(temp: string, target: string, overwrite: boolean): Promise<void> {
  if (!overwrite && (await stat(temp)).isFile()) return await placeFileWhereNone(temp, target);
  try {
    await rename(temp, target);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    // A folder holding only a file browser's notes counts as empty: they move into the output, which then takes its place.
    if (await takeBrowserFiles(target, temp)) {
      await rename(temp, target);
      return;
    }
    if (!overwrite) throw error;
  }
  const aside = getSiblingName(target, 'replaced');
  await rename(target, aside);
  try {
    await rename(temp, target);
  } catch (error) {
    await rename(aside, target);
    throw error;
  }
  // A file browser's notes in the old output stay with the new one.
  await takeBrowserFilesFrom(aside, target);
  await rm(aside, { recursive: true, force: true });
}

/** Creates the temp name (nothing is written yet) and registers its cleanup. */
export function createAtomicPath(target: string): AtomicPath {
  const temp = getSiblingName(target, 'partial');
  let unregister = removeOnCleanup(temp);
  let placed = false;
  return {
    temp,
    target,
    get placed() {
      return placed;
    },
    async commit(overwrite) {
      // After a signal the temporary is not the run's whole output: the first cleanup pass
      // removed it, and a writer still under way may have started it again with its tail only.
      if (isStopping()) throw Object.assign(new Error(`${target} was not written: the run was stopped`), { code: 'ESTOPPED' });
      // From here the placing is let finish whole: a signal's cleanup removing the temporary
      // while a rename or link of it was under way could leave a folder at the target with
      // some of its files gone, or an old output moved aside and not back.
      unregister();
      const placing = moveIntoPlace(temp, target, overwrite);
      const unstop = onStop(() => placing.then(() => undefined, () => undefined));
      // The interruption's line says so: it is written before the placing ends.
      const unnote = noteKeptOnSignal(`${target} was complete and is being put in place whole`);
      try {
        await placing;
        placed = true;
      } catch (error) {
        unregister = removeOnCleanup(temp); // still there, still ours
        throw error;
      } finally {
        unstop();
        unnote();
      }
    },
    async discard() {
      await rm(temp, { recursive: true, force: true });
      unregister();
    },
    async keepBeside() {
      const kept = await getFreeSibling(target);
      await rename(temp, kept);
      unregister();
      return kept;
    },
  };
}

/**
 * Commits `output`; where a file appeared at its target while the run worked (and `overwrite`
 * was not given), keeps this run's file beside it under a free name and says so.
 * @throws UsageError naming both files
 */
export async function commitOrKeepBeside(output: AtomicPath, overwrite: boolean): Promise<void> {
  try {
    await output.commit(overwrite);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const kept = await output.keepBeside();
    throw new UsageError(`${output.target} appeared while this run worked and was left as it is; this run's output is in ${kept} instead (nothing was deleted)`);
  }
}

/** Writes a whole file through a temporary sibling, so readers never see half of it; an existing file is replaced only with `overwrite`. */
export async function writeFileAtomically(file: string, bytes: Uint8Array, overwrite: boolean): Promise<void> {
  makeFolders(path.dirname(file));
  const output = createAtomicPath(file);
  try {
    await writeFile(output.temp, bytes);
    await commitOrKeepBeside(output, overwrite);
  } catch (error) {
    await output.discard();
    throw error;
  }
}
