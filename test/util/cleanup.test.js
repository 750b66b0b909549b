// On a signal, partial outputs go even when a write already under way lands after the first cleanup.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { onStop, removeOnCleanup, stopOnSignal } from '../../dist/util/cleanup.js';
import { makeTempDir } from '../fixtures.js';

test('a partial folder created while the run stops is removed before the exit', async () => {
  const partial = path.join(makeTempDir('dino-track-cleanup-'), '.out.123.partial');
  removeOnCleanup(partial);
  mkdirSync(partial);
  // The work in flight (an inference, then the frame it was for being written) finishes only after the first pass.
  onStop(async () => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    mkdirSync(path.join(partial, 'masks'), { recursive: true });
    writeFileSync(path.join(partial, 'masks', '00000.png'), 'late');
  });
  await stopOnSignal(5_000);
  assert.equal(existsSync(partial), false, 'the late write left the partial folder behind');
});
