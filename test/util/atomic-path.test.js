import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createAtomicPath } from '../../dist/util/atomic-path.js';
import { makeTempDir } from '../fixtures.js';

/** A folder holding one file with `text`. */
function makeFolder(folder, text) {
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'a.txt'), text);
}

describe('atomic output paths', () => {
  it('replaces a non-empty folder with --overwrite, leaving no sibling behind', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'out');
    makeFolder(target, 'old');
    const output = createAtomicPath(target);
    makeFolder(output.temp, 'new');
    await output.commit(true);
    assert.equal(readFileSync(path.join(target, 'a.txt'), 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir), ['out']);
  });

  it('keeps the old output when the new one cannot be moved into place', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'out');
    makeFolder(target, 'old');
    const output = createAtomicPath(target);
    // Nothing was written at the temporary path: the rename must fail, and the old output stay.
    await assert.rejects(output.commit(true), { code: 'ENOENT' });
    assert.equal(readFileSync(path.join(target, 'a.txt'), 'utf8'), 'old');
  });

  it('puts a folder in place of an existing empty one without --overwrite', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'out');
    mkdirSync(target);
    const output = createAtomicPath(target);
    makeFolder(output.temp, 'new');
    await output.commit(false);
    assert.equal(readFileSync(path.join(target, 'a.txt'), 'utf8'), 'new');
  });

  it('never replaces a non-empty folder without --overwrite', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'out');
    makeFolder(target, 'old');
    const output = createAtomicPath(target);
    makeFolder(output.temp, 'new');
    await assert.rejects(output.commit(false), { code: /ENOTEMPTY|EEXIST/ });
    assert.equal(readFileSync(path.join(target, 'a.txt'), 'utf8'), 'old');
    await output.discard();
  });

  it("keeps a file browser's notes in the old output's subfolders when replacing it", async () => {
    // A first-time user's masks/Thumbs.db and masks/.DS_Store were deleted by --overwrite: only
    // the top level's notes were carried over, and Explorer and Finder leave them in masks/.
    const dir = makeTempDir();
    const target = path.join(dir, 'out');
    makeFolder(path.join(target, 'masks'), 'old');
    for (const [name, text] of [['Thumbs.db', 'thumbs'], ['.DS_Store', 'finder'], ['desktop.ini', 'icon']]) writeFileSync(path.join(target, 'masks', name), text);
    writeFileSync(path.join(target, 'Thumbs.db'), 'top');
    makeFolder(path.join(target, 'gone'), 'old');
    writeFileSync(path.join(target, 'gone', 'Thumbs.db'), 'thumbnails of a folder the new output lacks');
    const output = createAtomicPath(target);
    makeFolder(path.join(output.temp, 'masks'), 'new');
    await output.commit(true);
    assert.deepEqual(readdirSync(path.join(target, 'masks')).sort(), ['.DS_Store', 'Thumbs.db', 'a.txt', 'desktop.ini']);
    assert.equal(readFileSync(path.join(target, 'masks', 'Thumbs.db'), 'utf8'), 'thumbs');
    assert.equal(readFileSync(path.join(target, 'masks', 'desktop.ini'), 'utf8'), 'icon');
    assert.equal(readFileSync(path.join(target, 'masks', 'a.txt'), 'utf8'), 'new');
    assert.equal(readFileSync(path.join(target, 'Thumbs.db'), 'utf8'), 'top');
    assert.deepEqual(readdirSync(dir), ['out']);
  });
});
