import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';

const module = JSON.stringify(new URL('../../dist/cli/heap-growth.js', import.meta.url).href);

/** Runs `body` in a fresh node (V8 flags are per process) and returns what it prints, parsed. */
function runFresh(body) {
  const script = `const { letSmallHeapGrow } = await import(${module}); ${body}`;
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' }));
}

// What it saves (mark-compacts and their CPU in a track run) is a benchmark figure: test/bench/pipeline-cpu.js, README Speed.
describe('letSmallHeapGrow (CLI)', () => {
  it('stays in force while the heap stays small through full collections', () => {
    const states = runFresh(`
      const growing = letSmallHeapGrow();
      const live = Array.from({ length: 100_000 }, (_, i) => ({ i }));
      const states = [growing()];
      for (let k = 0; k < 3; k++) { gc(); await new Promise((r) => setTimeout(r, 10)); states.push(growing()); }
      console.log(JSON.stringify(live.length > 0 ? states : []));`);
    assert.deepEqual(states, [true, true, true, true]);
  });

  it('hands growth back to V8 once more than 64 MiB survive a full collection', () => {
    const [before, after] = runFresh(`
      const growing = letSmallHeapGrow();
      const before = growing();
      const big = Array.from({ length: 1_500_000 }, (_, i) => ({ i, s: 'y' + i }));
      gc();
      await new Promise((r) => setTimeout(r, 20));
      console.log(JSON.stringify([before, growing(), big.length].slice(0, 2)));`);
    assert.equal(before, true);
    assert.equal(after, false);
  });
});
