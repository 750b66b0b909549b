// Peak memory of a prompted run with three prompts is flat in the video's length (issue 18):
// `node test/bench/prompts-memory.js [SHORT LONG]` (default 100 1000 frames) writes two synthetic
// feature caches (320x240 frames, 20x15 patches of 16, D 64, 6 heads, F16), tracks each with three
// prompts (at 1/4, 1/2 and 3/4 of the video) under `/usr/bin/time -f %M`, prints the commands and
// peak RSS, and exits 1 when LONG's peak exceeds 1.10 x SHORT's. Too slow for npm test (minutes).
// Each size runs twice: as the CLI runs (it keeps V8's young generation at its starting size,
// src/cli/young-generation.ts; what the check is on), and with V8's defaults (a preload makes
// that setting a no-op), printing peak RSS, wall and CPU seconds of each.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { cli, makeTempDir } from '../fixtures.js';
import { writePromptMemoryCase } from '../e2e/prompt-memory-case.js';

/** The most the long run's peak may exceed the short one's (issue 18's acceptance). */
const maxRatio = 1.1;
const [short = 100, long = 1000] = process.argv.slice(2).map(Number);
const dir = makeTempDir('dino-track-prompts-memory-');
const writeCase = (frames) => writePromptMemoryCase(dir, frames);

function measure(frames, { cache, prompts }, nodeFlags = []) {
  const args = ['-f', '%M %U', process.execPath, ...nodeFlags, cli, 'track', '--features', cache, '--prompts', prompts, '-o', path.join(dir, `out-${frames}${nodeFlags.length ? '-defaults' : ''}`), '--format', 'davis', '--progress', 'none'];
  console.log(`/usr/bin/time ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync('/usr/bin/time', args, { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`track failed: ${result.stderr}`);
  const [kib, cpu] = result.stderr.trim().split('\n').pop().split(' ').map(Number);
  console.log(`  ${frames} frames${nodeFlags.length ? ', V8 defaults' : ''}: peak RSS ${(kib / 1024).toFixed(1)} MiB, ${((Date.now() - started) / 1000).toFixed(1)} s, ${cpu.toFixed(1)} s CPU (user)`);
  return kib;
}

const cases = [[short, await writeCase(short)], [long, await writeCase(long)]];
const [small, large] = cases.map(([frames, files]) => measure(frames, files));
/** Turns src/cli/young-generation.ts's setting into a no-op, for the comparison. */
const v8Defaults = ['--import', 'data:text/javascript,import v8 from "node:v8"; v8.setFlagsFromString = () => undefined;'];
const [smallDefaults, largeDefaults] = cases.map(([frames, files]) => measure(frames, files, v8Defaults));
const ratio = large / small;
console.log(`ratio ${long}/${short} frames: ${ratio.toFixed(3)} (at most ${maxRatio}); with V8's defaults: ${(largeDefaults / smallDefaults).toFixed(3)}`);
if (ratio > maxRatio) process.exitCode = 1;
