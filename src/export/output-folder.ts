import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { folderEntries, type Format } from './format-names.js';
import { isOperatingSystemFile } from '../util/paths.js';

/**
 * Written last into every output folder: which entries the run made. It is how a later
 * run knows what it may replace; anything it does not list was not written by us.
 */
export const runRecordName = '.dino-track-output.json';

interface RunRecord {
  tool: 'dino-track';
  entries: string[];
}

/** Records the entries of `formats` in the folder being built. */
export async function writeRunRecord(folder: string, formats: Format[]): Promise<void> {
  const record: RunRecord = { tool: 'dino-track', entries: formats.map((f) => folderEntries[f]) };
  await writeFile(path.join(folder, runRecordName), `${JSON.stringify(record)}\n`);
}

/** The entries an earlier run recorded; empty when there is no (valid) record. */
function readRunRecord(folder: string): string[] {
  try {
    const record = JSON.parse(readFileSync(path.join(folder, runRecordName), 'utf8')) as Partial<RunRecord>;
    return record.tool === 'dino-track' && Array.isArray(record.entries) ? [runRecordName, ...record.entries] : [];
  } catch {
    return [];
  }
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

/** Entries inside our recorded folders that we do not write, as `masks/name`. */
function findForeignInside(folder: string, ours: Set<string>): string[] {
  const foreign: string[] = [];
  for (const [entry, pattern] of Object.entries(folderContents)) {
    if (!ours.has(entry)) continue;
    const inner = path.join(folder, entry);
    if (!existsSync(inner) || !statSync(inner).isDirectory()) continue;
    for (const item of readdirSync(inner, { withFileTypes: true })) {
      if ((!item.isFile() || !pattern.test(item.name)) && !isOperatingSystemFile(item.name)) foreign.push(`${entry}/${item.name}`);
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
  const entries = readdirSync(folder).filter((name) => !isOperatingSystemFile(name));
  // Only a file browser's notes: the folder is empty to the user (the finished output takes them along: atomic-path.ts).
  if (entries.length === 0) return;
  const ours = new Set(readRunRecord(folder));
  const foreign = [...entries.filter((name) => !ours.has(name)), ...findForeignInside(folder, ours)].sort();
  if (foreign.length > 0) {
    throw new UsageError(`-o ${folder} holds files dino-track did not write (${listNames(foreign)}); give a new or empty folder (nothing was deleted)`);
  }
  if (!overwrite) throw new UsageError(`-o ${folder} holds the output of an earlier run; pass --overwrite to replace it`);
}
