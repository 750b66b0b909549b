// Issue 18: the memory of a prompted run does not grow with the video's length. A short and a
// ten times longer synthetic run with three prompts each; peak RSS as the run reports it (--verbose).
// Fails without src/cli/young-generation.ts (ratio 1.15: V8 grew its young generation in the long run).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeTempDir, runCli } from '../fixtures.js';
import { writePromptMemoryCase } from './prompt-memory-case.js';

/** The acceptance: a run ten times longer peaks at most this much higher. */
const maxRatio = 1.1;

async function getPeakMiB(dir, frames) {
  const { cache, prompts } = await writePromptMemoryCase(dir, frames);
  const result = await runCli(['--features', cache, '--prompts', prompts, '-o', path.join(dir, `out-${frames}`), '--format', 'davis', '--progress', 'none', '--verbose'], { timeoutMs: 300_000 });
  assert.equal(result.code, 0, result.stderr);
  const peak = /peak RSS ([\d.]+) MiB/.exec(result.stderr);
  assert.ok(peak, `no peak RSS in: ${result.stderr}`);
  return Number(peak[1]);
}

describe('prompted run memory', () => {
  it('a 1000-frame run with three prompts peaks within 10% of a 100-frame one', async () => {
    const dir = makeTempDir();
    const short = await getPeakMiB(dir, 100);
    const long = await getPeakMiB(dir, 1000);
    assert.ok(long <= maxRatio * short, `peak RSS ${short.toFixed(1)} MiB at 100 frames, ${long.toFixed(1)} MiB at 1000 (ratio ${(long / short).toFixed(3)})`);
  });
});
