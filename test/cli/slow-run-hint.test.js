import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSlowRunHint } from '../../dist/cli/track-command.js';

describe('slow-run hint', () => {
  /** Feeds frames 1..upTo written `secondsPerFrame` apart after `startupSeconds`; returns what was said. */
  function run(startupSeconds, secondsPerFrame, total, upTo = 10) {
    let clock = 0;
    const said = [];
    const hint = createSlowRunHint((line) => said.push(line), () => clock);
    clock += startupSeconds * 1000;
    for (let done = 1; done <= upTo; done++) {
      hint(done, total);
      clock += secondsPerFrame * 1000;
    }
    return said;
  }

  it('times frames from the first one written: a long start (a prompted run\'s backward pass) is not a slow rate', () => {
    assert.deepEqual(run(300, 0.1, 1000), []);
  });

  it('still says it once when the frames themselves are slow', () => {
    const said = run(0, 2, 1000);
    assert.equal(said.length, 1);
    assert.match(said[0], /^this run will take about 33 more minutes at 0\.50 frames\/s; to go faster: --stride 3/);
  });
});
