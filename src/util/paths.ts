import { readdirSync, type Dirent } from 'node:fs';
import path from 'node:path';

/** Whether `inner` is the path `outer` or lies inside it (both resolved the same way). */
export function isWithin(inner: string, outer: string): boolean {
  const relative = path.relative(outer, inner);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Files a file browser leaves in any folder it shows (macOS Finder, Windows Explorer): not
 * the user's work, so they do not make a folder taken; we never delete them either (a
 * desktop.ini may hold the folder's icon): a finished output takes them along.
 */
const operatingSystemFiles = new Set(['.DS_Store', 'Thumbs.db', 'desktop.ini']);

/** Whether `name` (a file name, no folder) is one a file browser leaves behind. */
export function isOperatingSystemFile(name: string): boolean {
  // `._NAME`: macOS's AppleDouble copy of NAME's metadata, beside every file it writes to a
  // disk without extended attributes (FAT, exFAT, SMB shares).
  return operatingSystemFiles.has(name) || name.startsWith('._');
}

/**
 * Whether `folder` holds nothing but a file browser's notes, in it or in its subfolders (Finder
 * and Explorer leave them in `masks/` as much as at the top): such a folder is empty to the user
 * (a first-time user's trial: `masks/.DS_Store` alone made a new -o "hold files dino-track did not
 * write"). A link, or a folder that cannot be read, is something.
 */
export function holdsOnlyBrowserFiles(folder: string): boolean {
  try {
    return readdirSync(folder, { withFileTypes: true }).every((entry) => isBrowserNote(folder, entry));
  } catch {
    return false;
  }
}

/**
 * Whether `entry` of `folder` is a file browser's note, or a folder of nothing else: by its kind
 * as well as its name (a review: a user's folder `._work/` passed for a note by its name, and
 * `--overwrite` deleted what it held).
 */
export function isBrowserNote(folder: string, entry: Dirent): boolean {
  if (entry.isFile()) return isOperatingSystemFile(entry.name);
  if (!entry.isDirectory()) return false;
  // A folder with nothing in it was made by someone for something (an empty masks/ is not ours).
  const inner = path.join(folder, entry.name);
  return holdsOnlyBrowserFiles(inner) && readdirSync(inner).length > 0;
}

/**
 * Whether an entry of a folder of the user's inputs (feature cache shards, prompts, batch
 * videos) is skipped: hidden names (`.x`), which take in macOS's notes (`._a.safetensors`
 * beside `a.safetensors`, `.DS_Store`) and our own unfinished writes
 * (`.NAME.PID-RANDOM.partial.EXT`), and Windows Explorer's.
 */
export function isHiddenFile(name: string): boolean {
  return name.startsWith('.') || isOperatingSystemFile(name);
}

/**
 * Bytes a hidden sibling name adds around an output's name: `.` NAME `.PID-RANDOM.replaced`
 * (7-digit pid: Linux's pid_max is 4194304) and a scratch file's suffix (`.patch_tokens`),
 * with a little to spare.
 */
const siblingNameReserve = 42;
/** The longest file name: 255 bytes on Linux's file systems (ext4, XFS, Btrfs), 255 characters on APFS and NTFS. */
export const maxNameBytes = 255;

/** A name's length as this system's file systems count it against maxNameBytes (see there). */
export function getNameLength(name: string): number {
  return process.platform === 'linux' ? Buffer.byteLength(name) : name.length;
}

/**
 * The part of an output's `base` name that its hidden siblings (partial, replaced, scratch)
 * carry: all of it, or its start where the whole would make their names longer than a file
 * name may be. An output named 234–254 bytes could not be written: its partial's name failed
 * with ENAMETOOLONG (a second trial). The siblings still start as the output does.
 */
export function getSiblingStem(base: string, ext: string): string {
  return cutToLength(base, maxNameBytes - siblingNameReserve - getNameLength(ext));
}

/**
 * `name`, or its longest start of at most `length` (getNameLength), in whole characters: a cut
 * UTF-8 sequence is no valid name on some file systems.
 */
export function cutToLength(name: string, length: number): string {
  if (getNameLength(name) <= length) return name;
  let start = '';
  for (const character of name) {
    if (getNameLength(start + character) > length) break;
    start += character;
  }
  return start;
}
