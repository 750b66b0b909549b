import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { checkOutputFolder, runRecordName } from '../../dist/export/output-folder.js';
import { makeTempDir } from '../fixtures.js';

/** An output folder as an earlier run left it: masks/ and its record. */
function makeEarlierRun(folder) {
  mkdirSync(path.join(folder, 'masks'), { recursive: true });
  writeFileSync(path.join(folder, runRecordName), JSON.stringify({ tool: 'dino-track', entries: ['masks'] }));
}

describe('output folder check', () => {
  const cases = [
    ['a missing folder', () => undefined, false, undefined],
    ['an empty folder, without --overwrite', (f) => mkdirSync(f), false, undefined],
    ['an earlier run, without --overwrite', makeEarlierRun, false, /holds the output of an earlier run; pass --overwrite to replace it/],
    ['an earlier run, with --overwrite', makeEarlierRun, true, undefined],
    ['a folder of the user\'s files, even with --overwrite', (f) => { mkdirSync(f); writeFileSync(path.join(f, 'notes.txt'), 'precious'); }, true, /holds files dino-track did not write \(notes\.txt\); give a new or empty folder \(nothing was deleted\)/],
    ['an earlier run plus a user\'s file', (f) => { makeEarlierRun(f); writeFileSync(path.join(f, 'notes.txt'), 'x'); }, true, /did not write \(notes\.txt\)/],
    ['a masks folder without a record (not known to be ours)', (f) => mkdirSync(path.join(f, 'masks'), { recursive: true }), true, /did not write \(masks\)/],
    ['a file', (f) => writeFileSync(f, 'x'), true, /is a file, not a folder/],
  ];
  for (const [name, make, overwrite, error] of cases) {
    it(name, () => {
      const folder = path.join(makeTempDir(), 'out');
      make(folder);
      if (error) assert.throws(() => checkOutputFolder(folder, overwrite), { name: 'UsageError', message: error });
      else assert.doesNotThrow(() => checkOutputFolder(folder, overwrite));
    });
  }
});
