import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSlowRunHint } from '../../dist/cli/slow-run-hint.js';

/** Feeds frames 1…n at `secondsPerFrame` on a fake clock; returns what was said. */
function run(secondsPerFrame, total, { startup = 0, frames = 30 } = {}) {
  const said = [];
  let clock = startup * 1000;
  const hint = createSlowRunHint((line) => said.push(line), () => clock);
  for (let done = 1; done <= frames; done++) {
    hint(done, total);
    clock += secondsPerFrame * 1000;
  }
  return said;
}

describe('slow-run hint', () => {
  it('says once, early, how to go faster when the rest will take more than 10 minutes', () => {
    const said = run(1, 2000);
    assert.equal(said.length, 1);
    assert.match(said[0], /about 33 more minutes at 1\.00 frames\/s; to go faster: --stride 3 .*--short-side 240 .*--device cuda/);
  });

  it('stays quiet for a short run, and does not count start-up time', () => {
    assert.deepEqual(run(0.1, 2000, { startup: 60 }), []);
  });
});
