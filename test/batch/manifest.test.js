// A batch's records: what counts as done, and what only marks an output as the batch's own.
import assert from 'node:assert/strict';
import { statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { getRecordPath, isDone, listRecords, writeRecord } from '../../dist/batch/manifest.js';
import { makeTempDir } from '../fixtures.js';

test('a record of a run that failed after putting its output in place keeps it the batch\'s, but not done', () => {
  // ids past 255 with DAVIS stop a run with the frames before written: the rerun the error
  // advises must redo it (not skip it) and may replace it (it is the batch's, not a user's).
  const dir = makeTempDir('dino-track-manifest-');
  const input = path.join(dir, 'clip.mp4');
  writeFileSync(input, 'video');
  const output = path.join(dir, 'out', 'clip');
  mkdirSync(output, { recursive: true });
  const record = getRecordPath(path.join(dir, 'out'), 'clip');
  const { size, mtimeMs } = statSync(input);
  const done = { input, output, size, mtimeMs, options: 'h', seconds: 1, finishedAt: 'now' };
  writeRecord(record, { ...done, failed: true });
  assert.equal(isDone(record, input, output, 'h'), false, 'a failed run is redone');
  assert.deepEqual([...listRecords(path.join(dir, 'out'))], [[input, { output, name: 'clip' }]], 'its output and name stay the batch\'s');
  writeRecord(record, done);
  assert.equal(isDone(record, input, output, 'h'), true);
});
