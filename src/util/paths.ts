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
  return operatingSystemFiles.has(name);
}
