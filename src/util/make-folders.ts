import { existsSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ExternalError } from '../errors.js';

/** Whether anything is at `file`, a broken link included (existsSync follows links). */
export function isTaken(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/** Why a folder cannot be made at `dir`, when the nearest thing that exists above it says so. */
export class FolderError extends ExternalError {
  /** @param code the file system's code for the mkdir that failed (EACCES, EROFS), when one did */
  constructor(readonly dir: string, readonly reason: string, readonly code?: string) {
    super(`cannot create the folder ${dir}: ${reason}; check the path and its permissions`);
  }
}

/**
 * Creates `dir` and its missing parents one level at a time. Node 20's `mkdir(…, { recursive:
 * true })` never returns where a pseudo file system answers ENOENT for a child of a folder
 * that exists (/proc): the process spins at full CPU, deaf to Ctrl-C.
 * @returns the folders this call created, outermost first (not those another run made meanwhile)
 * @throws FolderError naming what is in the way (a file, a link to nothing) or the error code
 */
export function makeFolders(dir: string): string[] {
  const missing: string[] = [];
  // Walked as given, not resolved: `link/..` is the link target's parent to the kernel.
  let existing = dir;
  while (!isTaken(existing) && path.dirname(existing) !== existing) {
    missing.unshift(existing);
    existing = path.dirname(existing);
  }
  if (!existsSync(existing)) throw new FolderError(dir, `${existing} is a link to nothing`);
  if (!statSync(existing).isDirectory()) throw new FolderError(dir, `${existing} is a file`);
  const made: string[] = [];
  for (const folder of missing) {
    try {
      mkdirSync(folder);
      made.push(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Made meanwhile by another run: not ours (its cleanup is not ours to do).
      if (code === 'EEXIST' && isFolder(folder)) continue;
      throw new FolderError(dir, `${code ?? (error as Error).message} at ${folder}`, code);
    }
  }
  return made;
}

function isFolder(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}
