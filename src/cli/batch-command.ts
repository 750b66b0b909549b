import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { expandInputs, getOutputNames, parseShard, runBatch, selectShard, type BatchResult } from '../batch/index.js';
import { writeFileAtomically } from '../util/atomic-path.js';
import { addVideoOptions } from './video-options.js';
import { normalizeTrackOptions, type RawTrackOptions } from './track-options.js';
import { parseInteger } from './validate.js';

interface RawBatchOptions extends RawTrackOptions {
  jobs: string;
  shard?: string;
  timeout: string;
  redo?: boolean;
}

function say(line: string): void {
  process.stderr.write(`dino-track: ${line}\n`);
}

/** The video options the user gave on the command line, as flags for each `track` run. */
function getForwardedArgs(command: Command): string[] {
  const shared = new Set(addVideoOptions(new Command()).options.map((o) => o.attributeName()));
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
  const jobs = parseInteger('--jobs', raw.jobs, 1, 256);
  const timeout = parseInteger('--timeout', raw.timeout, 0, 10_000_000);
  const shard = parseShard(raw.shard);
  const formats = raw.format?.split(',').map((f) => f.trim()) ?? ['overlay'];
  const folderOutputs = !(formats.length === 1 && formats[0] === 'overlay');
  const outputDir = path.resolve(raw.output as string);
  const all = expandInputs(args);
  mkdirSync(outputDir, { recursive: true });
  // Options are checked here once, as `track` would, so a typo fails before any video starts.
  normalizeTrackOptions(all[0], { ...raw, output: path.join(outputDir, folderOutputs ? '.check' : '.check.mp4'), overwrite: true, progress: 'none' });
  const inputs = selectShard(all, shard);
  const names = getOutputNames(all);
  if (shard.count > 1) say(`shard ${shard.index}/${shard.count}: ${inputs.length} of ${all.length} inputs`);

  const results = await runBatch(inputs, {
    outputDir, names, folderOutputs, jobs, timeoutMs: timeout * 1000, redo: Boolean(raw.redo), trackArgs: getForwardedArgs(command),
    onResult: (result, finished, total) => {
      const where = `[${finished}/${total}] ${result.input}`;
      if (result.status === 'done') say(`${where} → ${result.output} (${result.frames ?? '?'} frames, ${result.seconds?.toFixed(1)} s)`);
      else if (result.status === 'skipped') say(`${where}: already done, skipped`);
      else say(`${where}: failed: ${result.error}`);
    },
  });

  const count = (status: BatchResult['status']): number => results.filter((r) => r.status === status).length;
  const manifest = path.join(outputDir, '.dino-track', `manifest-${shard.index}-of-${shard.count}.json`);
  await writeFileAtomically(manifest, new TextEncoder().encode(`${JSON.stringify({ finishedAt: new Date().toISOString(), shard: `${shard.index}/${shard.count}`, results }, null, 2)}\n`));
  const failed = results.filter((r) => r.status === 'failed');
  say(`batch: ${count('done')} done, ${count('skipped')} skipped (already done), ${failed.length} failed; manifest ${manifest}`);
  if (failed.length > 0) {
    for (const r of failed) say(`  failed: ${r.input}: ${r.error}`);
    process.exitCode = 1;
  }
}
