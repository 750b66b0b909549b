import { existsSync, readdirSync, rmdirSync, statSync } from 'node:fs';
import { FolderError, isTaken, makeFolders } from '../util/make-folders.js';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { bookkeepingName, expandInputs, getOutputNames, hashOptions, listRecords, parseShard, runBatch, selectShard, withoutOutputs, type BatchResult } from '../batch/index.js';
import { UsageError } from '../errors.js';
import { isVideoTarget } from '../export/format-names.js';
import { writeFileAtomically } from '../util/atomic-path.js';
import { writeStderrLines } from '../util/stderr-lines.js';
import { createBatchProgress } from './batch-progress.js';
import { describeOutputShape } from './output-shape.js';
import { progressModes, type ProgressMode } from './progress.js';
import { countOf } from './count-of.js';
import { parseChoice } from './validate.js';
import { addVideoOptions } from './video-options.js';
import { checkWritableDirectory } from './output-target.js';
import { normalizeTrackOptions, type RawTrackOptions } from './track-options.js';
import { parseInteger } from './validate.js';

interface RawBatchOptions extends RawTrackOptions {
  jobs?: string;
  shard?: string;
  timeout?: string;
  redo?: boolean;
}

function say(line: string): void {
  writeStderrLines(`dino-track: ${line}`);
}

/** Removes a folder only if it is empty; true when it is gone. */
function removeIfEmpty(folder: string): boolean {
  try {
    rmdirSync(folder);
    return true;
  } catch {
    return false;
  }
}

/** Makes the output folder and its missing parents (the nearest existing one checked writable first). */
function makeOutputFolders(dir: string): string[] {
  let existing = dir;
  while (!isTaken(existing)) existing = path.dirname(existing);
  if (existsSync(existing) && statSync(existing).isDirectory()) checkWritableDirectory(existing);
  try {
    return makeFolders(dir);
  } catch (error) {
    if (!(error instanceof FolderError)) throw error;
    throw new UsageError(`cannot create -o ${dir}: ${error.reason}; give another folder name`);
  }
}

/**
 * Creates the output folder (and its missing parents).
 * @returns what removes the folders it created if they hold nothing but empty bookkeeping: a
 * batch stopped before any video is done leaves nothing behind (called once its `track` runs
 * have ended, each having removed its partial output); a folder that holds anything else stays
 */
function createOutputFolder(outputDir: string): () => void {
  if (existsSync(outputDir)) {
    if (!statSync(outputDir).isDirectory()) throw new UsageError(`-o ${outputDir} is a file; batch writes one output per video into a folder: give a folder name`);
    // Checked before any video runs: /proc, say, failed each video and then hung writing the manifest.
    checkWritableDirectory(outputDir);
    return () => undefined;
  }
  const created = makeOutputFolders(outputDir);
  const bookkeeping = path.join(outputDir, bookkeepingName);
  return () => {
    if (!existsSync(outputDir) || readdirSync(outputDir).some((name) => name !== bookkeepingName)) return;
    // Only empty folders go: a done record means a finished video, which is kept.
    removeIfEmpty(path.join(bookkeeping, 'done'));
    removeIfEmpty(bookkeeping);
    for (const folder of [...created].reverse()) removeIfEmpty(folder);
  };
}

/** The video options the user gave on the command line, as flags for each `track` run. */
function getForwardedArgs(command: Command): string[] {
  const shared = new Set(addVideoOptions(new Command(), '').options.map((o) => o.attributeName()));
  const args: string[] = [];
  for (const option of command.options) {
    const key = option.attributeName();
    if (!shared.has(key) || command.getOptionValueSource(key) !== 'cli') continue;
    args.push(option.long as string, String(command.getOptionValue(key)));
  }
  return args;
}

/** `dino-track batch INPUTS… -o DIR`: validate once, then run every input of this shard. */
export async function runBatchCommand(args: string[], raw: RawBatchOptions, command: Command): Promise<void> {
  const jobs = parseInteger('--jobs', raw.jobs ?? '1', 1, 256);
  const timeout = parseInteger('--timeout', raw.timeout ?? '0', 0, 10_000_000);
  const shard = parseShard(raw.shard);
  const formats = raw.format?.split(',').map((f) => f.trim()) ?? ['overlay'];
  const scratchIsFolder = !(formats.length === 1 && formats[0] === 'overlay');
  const progressMode = parseChoice<ProgressMode>('--progress', raw.progress ?? 'auto', progressModes);
  if (!raw.output) throw new UsageError('Expected an output folder for -o, --output but received nothing; e.g. -o out/');
  if (raw.output === '-') throw new UsageError('batch writes one output per video into a folder; -o - (stdout) is for track --format ndjson; give a folder name (e.g. -o out/)');
  if (isVideoTarget(raw.output as string)) {
    throw new UsageError(`-o ${raw.output} names a video file; batch writes one output per video into a folder: give a folder name (e.g. -o out/)`);
  }
  const outputDir = path.resolve(raw.output as string);
  const records = listRecords(outputDir);
  const expanded = expandInputs(args);
  const all = withoutOutputs(expanded.files, [...records.values()].map((r) => r.output));
  if (all.length === 0) throw new UsageError(`every input is an output of an earlier batch into -o ${raw.output}; give the videos to process`);
  // Options are checked here once, as `track` would, so a typo fails before any video starts
  // (against a scratch name, so that nothing is created before they pass).
  const checked = normalizeTrackOptions(all[0], { ...raw, output: path.join(os.tmpdir(), scratchIsFolder ? '.dino-track-check' : '.dino-track-check.mp4'), overwrite: true, progress: 'none' });
  // As the check read them: `--format overlay,overlay` is one overlay video per input, as `overlay` is.
  const folderOutputs = !(checked.formats.length === 1 && checked.formats[0] === 'overlay');
  const removeCreatedFolders = createOutputFolder(outputDir);
  const inputs = selectShard(all, shard);
  const names = getOutputNames(all, new Map([...records].map(([input, r]) => [input, r.name])), expanded.roots);
  if (shard.count > 1) say(`shard ${shard.index}/${shard.count}: ${inputs.length} of ${all.length} inputs`);

  const progress = createBatchProgress(progressMode, inputs.length);
  const { results, interrupted } = await runBatch(inputs, {
    outputDir, names, folderOutputs, jobs, timeoutMs: timeout * 1000, redo: Boolean(raw.redo), trackArgs: getForwardedArgs(command),
    optionsHash: hashOptions(describeOutputShape(checked)),
    onStopped: removeCreatedFolders,
    onVideoProgress: (input, report) => progress.update(input, report),
    onResult: (result, finished, total) => {
      progress.finish(result.input);
      const where = `[${finished}/${total}] ${result.input}`;
      // A line per finished video is progress, gone with --progress none as track's is; a failure is an error, always said.
      if (result.status !== 'failed' && progressMode === 'none') return;
      if (result.status === 'done') say(`${where} → ${result.output} (${result.frames === undefined ? '? frames' : countOf(result.frames, 'frame')}, ${result.seconds?.toFixed(1)} s)`);
      else if (result.status === 'skipped') say(`${where}: already done, skipped`);
      else say(`${where}: failed: ${result.error}`);
    },
  });

  progress.stop();
  // Stopped by a signal: its handler says so and exits; no manifest of a batch cut short.
  if (interrupted) return;
  const count = (status: BatchResult['status']): number => results.filter((r) => r.status === status).length;
  const manifest = path.join(outputDir, bookkeepingName, `manifest-${shard.index}-of-${shard.count}.json`);
  await writeFileAtomically(manifest, new TextEncoder().encode(`${JSON.stringify({ finishedAt: new Date().toISOString(), shard: `${shard.index}/${shard.count}`, results }, null, 2)}\n`), true);
  const failed = results.filter((r) => r.status === 'failed');
  if (!raw.quiet) say(`batch: ${count('done')} done, ${count('skipped')} skipped (already done), ${failed.length} failed; manifest ${manifest}`);
  if (failed.length > 0) {
    for (const r of failed) say(`  failed: ${r.input}: ${r.error}`);
    process.exitCode = 1;
  }
}
