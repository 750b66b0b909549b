// A child's stderr arrives in chunks that may end mid-line: lines must be whole, in messages and under --verbose.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeTempDir } from '../fixtures.js';

// A stand-in ffmpeg that prints its last line in two writes, a pause between them, and fails.
const dir = makeTempDir('dino-track-stderr-');
const fake = path.join(dir, 'ffmpeg');
writeFileSync(fake, '#!/bin/sh\nprintf "first line\\nInvalid data found " >&2\nsleep 0.3\nprintf "when processing input\\n" >&2\nexit 1\n');
chmodSync(fake, 0o755);
process.env.FFMPEG_PATH = fake;
const { startFfmpeg } = await import('../../dist/video/ffmpeg-process.js');
const { createLineSplitter } = await import('../../dist/util/stderr-lines.js');

test('an ffmpeg failure is reported with its whole last line, though it came in two chunks', async () => {
  const run = startFfmpeg(['-i', 'x'], ['ignore', 'ignore', 'pipe'], 'decoding x');
  await assert.rejects(run.exited, { message: 'ffmpeg failed while decoding x: Invalid data found when processing input' });
});

test('chunks are joined into whole lines, and a last line without a newline still counts', () => {
  const lines = [];
  const splitter = createLineSplitter((line) => lines.push(line));
  for (const chunk of ['ab', 'c\nde', 'f\n', '\ng', 'h']) splitter.push(chunk);
  assert.deepEqual(lines, ['abc', 'def', '']);
  splitter.end();
  assert.deepEqual(lines, ['abc', 'def', '', 'gh']);
});
