import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProgress } from '../../dist/cli/progress.js';

/** What the bar writes to a terminal while `fn` runs (stderr's writes captured, isTTY set). */
async function captureTerminal(fn) {
  const { write } = process.stderr;
  const tty = process.stderr.isTTY;
  let text = '';
  process.stderr.isTTY = true;
  process.stderr.write = (chunk) => ((text += String(chunk)), true);
  try {
    await fn();
  } finally {
    process.stderr.write = write;
    process.stderr.isTTY = tty;
  }
  return text;
}

describe('progress bar', () => {
  it('shows no rate until a pass has a second report, then frames over the time since its first (not "1000.0 frames/s")', async () => {
    // A second trial: the first report of each pass read 1000.0 frames/s, one frame over a millisecond.
    const all = await captureTerminal(async () => {
      const progress = createProgress('bar');
      progress.update(1, 50, 'backward');
      await sleep(250);
      progress.update(6, 50, 'backward');
      await sleep(250);
      progress.stop();
    });
    const firstLine = all.split('\r').find((l) => l.includes('1/50')) ?? '';
    const later = all.split('\r').find((l) => l.includes('6/50')) ?? '';
    assert.match(firstLine, /pass 2, backwards: 1\/50 frames \| - frames\/s/);
    const rate = Number(/6\/50 frames \| ([\d.]+) frames\/s/.exec(later)?.[1]);
    assert.ok(rate > 5 && rate < 40, `5 frames in about 0.25 s read ${rate} frames/s: ${JSON.stringify(later)}`);
  });
});
