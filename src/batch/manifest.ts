import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeFolders } from '../util/make-folders.js';

/**
 * Completion records: one small JSON file per finished input, written only after its
 * output was renamed into place. An output without a record (a run killed between the
 * two) is redone, so nothing half-written is ever taken as done. One file per input
 * lets many shards share an output folder without a lock.
 */
export interface DoneRecord {
  input: string;
  output: string;
  /** The input's size and modification time: a changed input is redone. */
  size: number;
  mtimeMs: number;
  /** Hash of the options that shape the output: other options, other result. */
  options: string;
  frames?: number;
  seconds: number;
  finishedAt: string;
  /**
   * The overlay file's size and modification time as the run left it (absent for a folder of
   * masks, and in records of earlier versions): the file at `output` is still ours only if both
   * match (isRecordedFile).
   */
  outputSize?: number;
  outputMtimeMs?: number;
  /** The run failed after putting its output in place: the output is this batch's, but not done. */
  failed?: boolean;
}

/** The folder in `-o` where a batch keeps its records and manifests: no output may take its name. */
export const bookkeepingName = '.dino-track';

export function getRecordPath(outputDir: string, name: string): string {
  return path.join(outputDir, bookkeepingName, 'done', `${name}.json`);
}

/**
 * A hash of what the runs of a batch write (`describeOutputShape`): options spelled
 * differently that write the same outputs give the same hash, so a rerun skips what is
 * done unless something it writes would differ. Keys are sorted at every level.
 */
export function hashOptions(shape: object): string {
  const canonical = JSON.stringify(shape, (_, value: unknown) => (value && typeof value === 'object' && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
    : value));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** Whether `input` was finished into `output` with these options, and is unchanged since. */
export function isDone(record: string, input: string, output: string, options: string): boolean {
  let done: DoneRecord;
  try {
    done = JSON.parse(readFileSync(record, 'utf8')) as DoneRecord;
    const stats = statSync(input);
    statSync(output);
    return !done.failed && done.input === input && done.output === output && done.options === options && done.size === stats.size && done.mtimeMs === stats.mtimeMs;
  } catch {
    return false;
  }
}

/**
 * Slack on a file's modification time against the record's finish: FAT and exFAT keep times
 * in steps of 2 s, and may round a time up past the moment the record was written.
 */
const mtimeStepMs = 2000;

/**
 * Whether `output` is, by `record`, the file this batch wrote there, unchanged since: the record
 * names it, and the file has the size and modification time the record took of it; a record of
 * an earlier version, which took neither, asks that it was last written no later than the record
 * was (a file a user put there later is newer; one copied in with an older time passes, which
 * the size and time close). A batch's child `track` may replace it although it carries no mark
 * of ours (an overlay written before the marks: after an upgrade, every `batch --redo` refused them).
 */
export function isRecordedFile(record: string, output: string): boolean {
  try {
    const done = JSON.parse(readFileSync(record, 'utf8')) as DoneRecord;
    const stats = statSync(output);
    if (done.output !== output || !stats.isFile()) return false;
    if (done.outputSize !== undefined) return stats.size === done.outputSize && stats.mtimeMs === done.outputMtimeMs;
    return stats.mtimeMs <= Date.parse(done.finishedAt) + mtimeStepMs;
  } catch {
    return false;
  }
}

/** What a record takes of an overlay file so that isRecordedFile knows it again: nothing for a folder. */
export function describeOutputFile(output: string): Pick<DoneRecord, 'outputSize' | 'outputMtimeMs'> {
  const stats = statSync(output, { throwIfNoEntry: false });
  return stats?.isFile() ? { outputSize: stats.size, outputMtimeMs: stats.mtimeMs } : {};
}

/**
 * The environment variable by which a batch tells its child `track` that the file at `-o` is one
 * its record shows it wrote (isRecordedFile): its absolute path. Internal to batch.
 */
export const batchOutputVariable = 'DINO_TRACK_BATCH_OUTPUT';

/** Whether this process is a batch's `track` told that `target` is its batch's own file. */
export function isBatchRecordedOutput(target: string): boolean {
  const recorded = process.env[batchOutputVariable];
  return recorded !== undefined && recorded === path.resolve(target);
}

/**
 * Writes a done record, synchronously (a few hundred bytes): a stop's cleanups, which run
 * between event-loop turns, cannot land between the write and the rename. With the
 * asynchronous writeFileAtomically they removed the temporary file first, and a video finished
 * as Ctrl-C came was kept without its record (a review), which a later batch refuses to
 * replace. Its temporary name (`.NAME.json.PID-RANDOM.partial.json`) would also pass for a
 * record in listRecords if a kill left it; `NAME.json.PID.tmp` does not.
 */
export function writeRecord(record: string, done: DoneRecord): void {
  makeFolders(path.dirname(record));
  const temp = `${record}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, `${JSON.stringify(done, null, 2)}\n`);
    renameSync(temp, record);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The inputs earlier batches into `outputDir` finished: input → its output and the name both were recorded under. */
export function listRecords(outputDir: string): Map<string, { output: string; name: string }> {
  const folder = path.join(outputDir, bookkeepingName, 'done');
  let files: string[];
  try {
    files = readdirSync(folder).filter((file) => file.endsWith('.json'));
  } catch {
    return new Map();
  }
  return new Map(files.flatMap((file) => {
    try {
      const { input, output } = JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as Partial<DoneRecord>;
      return typeof input === 'string' && typeof output === 'string' ? [[input, { output, name: file.slice(0, -'.json'.length) }] as const] : [];
    } catch {
      return [];
    }
  }));
}
