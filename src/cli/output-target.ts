import { existsSync, lstatSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isBatchChild } from '../util/batch-child.js';
import { UsageError } from '../errors.js';
import { checkOutputFolder } from '../export/output-folder.js';
import { isBatchRecordedOutput } from '../batch/index.js';
import { isOwnFile, type OwnFileKind } from './own-outputs.js';
import { getNameLength, maxNameBytes } from '../util/paths.js';
import { removeDeadPartials } from '../util/stale-leftovers.js';

/**
 * Creates and removes a probe file in the folder that will hold the output: the only check
 * that also holds for root, read-only mounts and pseudo file systems such as /proc. `name`
 * is the option the message tells to change.
 */
export function checkWritableDirectory(dir: string, name = '-o'): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(describeMissingFolder(dir, name));
  const probe = path.join(dir, `.dino-track-probe-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new UsageError(`output directory ${dir} is not writable (${code}); choose another ${name} or fix its permissions`);
  }
}

/**
 * Why the folder to write in is not there: a file where it or a folder above it should be
 * cannot be fixed by creating it (a second trial: `-o afile/out/` was told "does not exist;
 * create it first"), a missing one can.
 */
function describeMissingFolder(dir: string, name: string): string {
  let existing = dir;
  while (!existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  if (!statSync(existing).isFile()) return `output directory ${dir} does not exist; create it first`;
  if (existing === dir) return `output directory ${dir} is a file, not a folder; give another ${name}`;
  return `output directory ${dir} cannot be a folder: ${existing} is a file; give another ${name}`;
}

/**
 * What an output is: a folder replaced as a whole, or a file (with a name to suggest when a
 * folder is given instead, and the kind of our outputs it must be for --overwrite to replace it).
 */
export type TargetKind = { folder: true } | { folder: false; exampleName: string; own?: OwnFileKind };

/** What a file that is not ours of that kind is, for the refusal. */
const notOwnFile: Record<OwnFileKind, string> = {
  overlay: 'an overlay dino-track wrote as that name in that folder (an overlay carries a dino-track mark of its file name and folder in its metadata; earlier versions wrote none, or one without the folder)',
  features: "a feature cache dino-track wrote (its header does not name dino-track's format)",
  model: 'a model dino-track prepared or quantized (its producer is not dino-track; earlier versions kept the original producer)',
};

/**
 * Checks an output path (`-o`, `--save-features`) before anything runs: its parent folder
 * exists and is writable, a file output names no folder, and nothing is replaced that is
 * not ours or not asked for. A folder where a file goes used to fail only after all the
 * work, with a raw EISDIR from the final rename.
 * @throws UsageError, one line
 */
/**
 * The folder an output path links to, or the path itself. A folder output is written beside its
 * target and renamed into place, and a rename onto a link to a folder fails (a first-time user's
 * trial: `-o` linked to a folder on a larger disk did all the work, then failed with a raw
 * ENOTDIR); the real folder is what the user means. Links to files stay as they are: the output's
 * kind comes from its name, and replacing a link replaces the link, not the file it names.
 */
export function followFolderLink(target: string): string {
  try {
    if (!lstatSync(target.replace(/[\\/]+$/, '') || target).isSymbolicLink() || !statSync(target).isDirectory()) return target;
    return realpathSync(target);
  } catch {
    // Missing, or a link to nothing (refused by validateTarget with its own line).
    return target;
  }
}

/**
 * A folder output is written beside its target and renamed into place, which cannot be done onto
 * a mount point (a disk or tmpfs mounted there: EBUSY, after all the work; a review, through a
 * link to one). Refused before any work, naming a folder inside it.
 * @throws UsageError
 */
function refuseMountPoint(name: string, target: string): void {
  const folder = statSync(target, { throwIfNoEntry: false });
  if (!folder?.isDirectory()) return;
  const parent = statSync(path.dirname(realpathSync(target)));
  if (folder.dev === parent.dev) return;
  throw new UsageError(`${name} ${target} is a mount point (another disk than its parent folder); dino-track writes a new folder beside the output and renames it into place, which cannot be done there: give a folder inside it, e.g. ${name} ${path.join(target, 'out')}`);
}

/** Whether `file` is a symbolic link whose target does not exist (existsSync says no, lstat says something is there). */
function isDanglingLink(file: string): boolean {
  if (existsSync(file)) return false;
  try {
    // `link/` would follow the link: look at the name itself.
    return lstatSync(file.replace(/[\\/]+$/, '') || file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Whether `file` is a file; false where it is anything else, missing, or cannot be looked at (under a file: ENOTDIR). */
function isFile(file: string): boolean {
  try {
    return statSync(file, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

export function validateTarget(name: string, target: string, overwrite: boolean, kind: TargetKind): void {
  const example = kind.folder ? 'out/' : kind.exampleName;
  if (!target) throw new UsageError(`Expected a path for ${name} but received nothing; e.g. ${name} ${example}`);
  if (target === '-') throw new UsageError(`${name} - (stdout) is for track --format ndjson; this writes a file: give a name such as ${example}`);
  // Found only on writing, after all the work, as a raw ENAMETOOLONG (a second trial).
  const length = getNameLength(path.basename(target));
  if (length > maxNameBytes) throw new UsageError(`${name} ${target} has a name of ${length} ${process.platform === 'linux' ? 'bytes' : 'characters'}, more than a file name may hold (${maxNameBytes}); give a shorter name`);
  checkWritableDirectory(path.dirname(path.resolve(target)), name);
  // What a killed run left beside it is ours: it goes even if this run is refused below.
  removeDeadPartials(target);
  // A link to nothing would be replaced by a file of ours: it is not ours to replace.
  if (isDanglingLink(target)) throw new UsageError(`${name} ${target} is a link to nothing; give another name, or remove the link`);
  if (kind.folder) {
    // `x/` where x is a file: every later look at `x/` fails with a raw ENOTDIR (a review).
    const named = target.replace(/[\\/]+$/, '');
    if (named !== target && isFile(named)) throw new UsageError(`${name} ${target} names a folder, but ${named} is a file; give another name`);
    refuseMountPoint(name, target);
    return checkOutputFolder(target, overwrite);
  }
  // `qd/` names a folder whether or not it exists: as a file name it fails at the end with ENOTDIR.
  const endsInSeparator = /[\\/]$/.test(target);
  if (endsInSeparator || (existsSync(target) && statSync(target).isDirectory())) {
    throw new UsageError(`${name} ${target} ${endsInSeparator ? 'names' : 'is'} a folder; give a file name such as ${path.join(target, kind.exampleName)}`);
  }
  if (!existsSync(target)) return;
  if (!overwrite) throw new UsageError(`${target} already exists; pass --overwrite to replace it`);
  if (kind.own && !isOwnFile(target, kind.own) && !isBatchRecordedOutput(target)) {
    // A batch's video: batch passes --overwrite and chose this -o itself.
    const rule = isBatchChild() ? 'batch replaces only dino-track\'s own outputs: remove it yourself if it may go, or give batch another -o folder' : `--overwrite replaces only dino-track's own outputs: remove it yourself if it may go, or give another ${name}`;
    throw new UsageError(`${name} ${target} exists and is not ${notOwnFile[kind.own]}; ${rule}`);
  }
}
