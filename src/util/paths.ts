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
 * Whether an entry of a folder of the user's inputs (feature cache shards, prompts, batch
 * videos) is skipped: hidden names (`.x`), which take in macOS's notes (`._a.safetensors`
 * beside `a.safetensors`, `.DS_Store`) and our own unfinished writes
 * (`.NAME.PID-RANDOM.partial.EXT`), and Windows Explorer's.
 */
export function isHiddenFile(name: string): boolean {
  return name.startsWith('.') || isOperatingSystemFile(name);
}
