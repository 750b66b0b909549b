import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { commitOrKeepBeside, createAtomicPath, writeFileAtomically } from '../../dist/util/atomic-path.js';
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

  it('never replaces a file without --overwrite: one that appeared while the run worked stays, and the run\'s goes beside it', async () => {
    // A review: rename() replaced a file of the user's that appeared at -o out.mp4 (or --save-features) during the run.
    const dir = makeTempDir();
    const target = path.join(dir, 'out.mp4');
    const output = createAtomicPath(target);
    writeFileSync(output.temp, 'the run\'s video');
    writeFileSync(target, 'the user\'s video');
    await assert.rejects(output.commit(false), { code: 'EEXIST' });
    assert.equal(readFileSync(target, 'utf8'), 'the user\'s video');
    await assert.rejects(commitOrKeepBeside(output, false), {
      name: 'UsageError',
      message: `${target} appeared while this run worked and was left as it is; this run's output is in ${path.join(dir, 'out-new.mp4')} instead (nothing was deleted)`,
    });
    assert.equal(readFileSync(target, 'utf8'), 'the user\'s video');
    assert.equal(readFileSync(path.join(dir, 'out-new.mp4'), 'utf8'), 'the run\'s video');
    assert.deepEqual(readdirSync(dir).sort(), ['out-new.mp4', 'out.mp4']);
  });

  it('keeps a run\'s output beside a 255-byte name that appeared meanwhile, under a name that fits', async () => {
    // A review: NAME-new.EXT was 4 bytes over a file name's 255 for names of 252-255 bytes (ENAMETOOLONG).
    const dir = makeTempDir();
    const target = path.join(dir, `${'v'.repeat(251)}.mp4`);
    const output = createAtomicPath(target);
    writeFileSync(output.temp, 'the run\'s video');
    writeFileSync(target, 'the user\'s video');
    await assert.rejects(commitOrKeepBeside(output, false), { name: 'UsageError', message: /appeared while this run worked and was left as it is; this run's output is in \S+-new\.mp4 instead/ });
    const beside = readdirSync(dir).filter((name) => name.endsWith('-new.mp4'));
    assert.equal(beside.length, 1);
    assert.ok(Buffer.byteLength(beside[0]) <= 255);
    assert.equal(readFileSync(path.join(dir, beside[0]), 'utf8'), 'the run\'s video');
  });

  it('replaces a file with --overwrite, and puts one where none is without it', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'model.onnx');
    writeFileSync(target, 'old');
    await writeFileAtomically(target, Buffer.from('new'), true);
    assert.equal(readFileSync(target, 'utf8'), 'new');
    await writeFileAtomically(path.join(dir, 'other.onnx'), Buffer.from('fresh'), false);
    assert.equal(readFileSync(path.join(dir, 'other.onnx'), 'utf8'), 'fresh');
    await assert.rejects(writeFileAtomically(target, Buffer.from('newer'), false), { name: 'UsageError' });
    assert.equal(readFileSync(target, 'utf8'), 'new');
    assert.deepEqual(readdirSync(dir).sort(), ['model-new.onnx', 'model.onnx', 'other.onnx']);
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
