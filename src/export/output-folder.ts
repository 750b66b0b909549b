import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { folderEntries, type Format } from './format-names.js';
import { isBatchChild } from '../util/batch-child.js';
import { holdsOnlyBrowserFiles, isBrowserNote } from '../util/paths.js';

/**
 * Written last into every output folder: which entries the run made. It is how a later
 * run knows what it may replace; anything it does not list was not written by us.
 */
export const runRecordName = '.dino-track-output.json';

/**
 * A file as the run left it: its size in bytes, modification time (ms), content's sha1 and change
 * time (ms) (the last two absent in records of older versions, and for unhashed files).
 */
type WrittenFile = [number, number, string?, number?];

/** sha1 of a file's content, read a block at a time (outputs such as a long video's CVAT XML can be large). */
function hashFileSync(file: string): string {
  const hash = createHash('sha1');
  const block = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let read = readSync(fd, block); read > 0; read = readSync(fd, block)) hash.update(block.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

interface RunRecord {
  tool: 'dino-track';
  entries: string[];
  /** Every file written, by path within the folder (`masks/00000.png`): absent in records of older versions. */
  files?: Record<string, WrittenFile>;
}

/**
 * Entries whose files are not hashed: a long video's JPEG frames or overlay are tens of GB, read
 * again on the main thread at the end of the run (a review), and they are not what annotators edit
 * in place; their size and time still guard them.
 */
const unhashedEntries = new Set([folderEntries.frames, folderEntries.overlay]);

/** The files the entries hold (an entry itself, or the files directly inside it), with their size, time and (for masks and annotation files) content hash. */
function listWrittenFiles(folder: string, entries: string[]): Record<string, WrittenFile> {
  const files: Record<string, WrittenFile> = {};
  const add = (name: string, hashed: boolean): void => {
    const stat = statSync(path.join(folder, name));
    if (stat.isFile()) files[name] = hashed ? [stat.size, stat.mtimeMs, hashFileSync(path.join(folder, name)), stat.ctimeMs] : [stat.size, stat.mtimeMs];
  };
  for (const entry of entries) {
    const full = path.join(folder, entry);
    if (!existsSync(full)) continue;
    const hashed = !unhashedEntries.has(entry);
    if (!statSync(full).isDirectory()) add(entry, hashed);
    else for (const item of readdirSync(full)) add(`${entry}/${item}`, hashed);
  }
  return files;
}

/** Records the entries of `formats` in the folder being built, and each file in them as written. */
export async function writeRunRecord(folder: string, formats: Format[]): Promise<void> {
  const entries = formats.map((f) => folderEntries[f]);
  const record: RunRecord = { tool: 'dino-track', entries, files: listWrittenFiles(folder, entries) };
  await writeFile(path.join(folder, runRecordName), `${JSON.stringify(record)}\n`);
}

/** The entries an earlier run recorded (empty when there is no valid record), and its files where it listed them. */
function readRunRecord(folder: string): { entries: string[]; files?: Record<string, WrittenFile> } {
  try {
    const record = JSON.parse(readFileSync(path.join(folder, runRecordName), 'utf8')) as Partial<RunRecord>;
    if (record.tool !== 'dino-track' || !Array.isArray(record.entries)) return { entries: [] };
    const files = record.files && typeof record.files === 'object' ? record.files : undefined;
    return { entries: [runRecordName, ...record.entries], files };
  } catch {
    return { entries: [] };
  }
}

/**
 * How far a file's time may move without a change to it, for a file the record holds no hash
 * of (JPEG frames; masks in older records): a copy or move to a disk that keeps coarser times
 * (FAT's 2 s) rounds it. A file with a hash is compared by its content, whatever its time:
 * a fix-up step run straight after the run re-saved a mask at the same size, and the edit was
 * replaced (a first-time user); and a mask saved again unchanged, or copied without its time, a
 * minute later, loses nothing (it was refused as changed).
 */
const timeToleranceMs = 2000;

/** Whether a file the record lists is no longer as the run left it. */
function isChanged(file: string, written: WrittenFile): boolean {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return false; // removed: nothing of it to lose
  }
  if (!Array.isArray(written) || stat.size !== written[0]) return true;
  // A file with a hash is compared by its content unless both its times are as recorded: an edit
  // at the same size whose modification time was put back (`touch -r`, tools that keep times)
  // was replaced (a first-time-user trial); nothing sets the change time back. Hashing every
  // file whatever its times read a long video's outputs again at every check (a review).
  if (typeof written[2] === 'string') return !(stat.mtimeMs === written[1] && stat.ctimeMs === written[3]) && hashFileSync(file) !== written[2];
  return Math.abs(stat.mtimeMs - written[1]) > timeToleranceMs;
}

/** Files the record lists that are no longer as the run left them (an annotator's edit of a mask in place). */
function findChanged(folder: string, files: Record<string, WrittenFile>): string[] {
  return Object.entries(files).filter(([name, written]) => isChanged(path.join(folder, name), written)).map(([name]) => name);
}

/**
 * What our folder entries hold: one file per frame, named by its index. Anything else in
 * them (a user's `masks/fixes/`, a painted `masks/extra.png`) is not ours, and replacing
 * the folder would delete it.
 */
const folderContents: Record<string, RegExp> = {
  [folderEntries.davis]: /^\d{5,}\.png$/,
  [folderEntries.frames]: /^\d{5,}\.jpg$/,
};

/** Entries inside our recorded folders that we do not write, as `masks/name`; where the record lists its files, any it does not list. */
function findForeignInside(folder: string, ours: Set<string>, files?: Record<string, WrittenFile>): string[] {
  const foreign: string[] = [];
  for (const [entry, pattern] of Object.entries(folderContents)) {
    if (!ours.has(entry)) continue;
    const inner = path.join(folder, entry);
    if (!existsSync(inner) || !statSync(inner).isDirectory()) continue;
    for (const item of readdirSync(inner, { withFileTypes: true })) {
      const listed = files ? `${entry}/${item.name}` in files : pattern.test(item.name);
      if ((!item.isFile() || !listed) && !isBrowserNote(inner, item)) foreign.push(`${entry}/${item.name}`);
    }
  }
  return foreign;
}

/** Up to three names, and how many more. */
function listNames(names: string[]): string {
  const shown = names.slice(0, 3).join(', ');
  return names.length > 3 ? `${shown} and ${names.length - 3} more` : shown;
}

/**
 * Checks a folder `-o` before any work starts. A missing or empty folder is fine; one that
 * holds only an earlier run's outputs is replaced with `--overwrite`; one that holds
 * anything else, at its top or inside the folders we write, is refused, with or without it:
 * we never delete what we did not write.
 * @throws UsageError naming what is in the way
 */
export function checkOutputFolder(folder: string, overwrite: boolean): void {
  if (!existsSync(folder)) return;
  if (!statSync(folder).isDirectory()) throw new UsageError(`-o ${folder} is a file, not a folder; give a folder name for mask formats, or a .mp4 name for the overlay`);
  // Only a file browser's notes: the folder is empty to the user (the finished output takes them along: atomic-path.ts).
  if (holdsOnlyBrowserFiles(folder)) return;
  const entries = readdirSync(folder, { withFileTypes: true }).filter((entry) => !isBrowserNote(folder, entry)).map((entry) => entry.name);
  const record = readRunRecord(folder);
  const ours = new Set(record.entries);
  const foreign = [...entries.filter((name) => !ours.has(name)), ...findForeignInside(folder, ours, record.files)].sort();
  // A batch's video cannot be given another -o alone: the batch's own -o is the way out.
  const another = isBatchChild() ? 'give batch another -o folder' : 'give another -o';
  if (foreign.length > 0) {
    throw new UsageError(`-o ${folder} holds files dino-track did not write (${listNames(foreign)}); ${isBatchChild() ? `move them out, or ${another}` : 'give a new or empty folder'} (nothing was deleted)`);
  }
  const changed = record.files ? findChanged(folder, record.files).sort() : [];
  if (changed.length > 0) {
    throw new UsageError(`-o ${folder} holds files changed since dino-track wrote them (${listNames(changed)}), or copied without their times (cp -p and rsync -t keep them), which replacing it would lose; move them out (edited masks can go in a --prompts folder) or ${another} (nothing was deleted)`);
  }
  if (!overwrite) throw new UsageError(`-o ${folder} holds the output of an earlier run; pass --overwrite to replace it`);
}
