import assert from 'node:assert/strict';
import { existsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { makeFolders } from '../../dist/util/make-folders.js';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

describe('makeFolders', () => {
  it('makes missing parents one level at a time and says which it made', () => {
    const root = makeTempDir();
    const made = makeFolders(path.join(root, 'a', 'b', 'c'));
    assert.deepEqual(made, ['a', 'a/b', 'a/b/c'].map((p) => path.join(root, p)));
    assert.ok(statSync(path.join(root, 'a', 'b', 'c')).isDirectory());
    assert.deepEqual(makeFolders(path.join(root, 'a', 'b')), [], 'an existing folder: nothing made');
  });

  it('walks the path as given (a link then .. is the link target\'s parent) and claims only what it made', () => {
    const root = makeTempDir();
    const target = path.join(root, 'deep', 'target');
    assert.deepEqual(makeFolders(target), [path.join(root, 'deep'), target]);
    symlinkSync(target, path.join(root, 'link'));
    const through = `${root}/link/../beside`; // path.join would drop the link
    const made = makeFolders(through);
    assert.ok(statSync(path.join(root, 'deep', 'beside')).isDirectory(), 'made where the kernel goes');
    assert.equal(existsSync(path.join(root, 'beside')), false, 'not where the text says');
    assert.deepEqual(made, [through]);
  });

  it('names what is in the way: a file, a link to nothing', () => {
    const root = makeTempDir();
    writeFileSync(path.join(root, 'file'), '');
    symlinkSync(path.join(root, 'nowhere'), path.join(root, 'gone'));
    assert.throws(() => makeFolders(path.join(root, 'file', 'x')), /cannot create the folder .*file\/x: .*file is a file; check the path/);
    assert.throws(() => makeFolders(path.join(root, 'gone', 'x')), /gone is a link to nothing/);
    assert.equal(existsSync(path.join(root, 'nowhere')), false);
  });

  it('returns at once where the system refuses a child of a folder with ENOENT (/proc; Node 20\'s recursive mkdir spins there)', { skip: !existsSync('/proc/self') && 'no /proc here' }, async () => {
    assert.throws(() => makeFolders('/proc/dino-track-x/prepared'), /cannot create the folder \/proc\/dino-track-x\/prepared: ENOENT at \/proc\/dino-track-x/);
    // The CLI with its model cache there: one line, exit 1, well within the time limit (it spun for good).
    const video = makeVideo(path.join(makeTempDir(), 'v.mp4'), { width: 64, height: 48, fps: 10, seconds: 0.3 });
    const out = path.join(makeTempDir(), 'o');
    const run = await runCli([video, '-o', out, '--format', 'davis', '--model', models.tiny], { env: { DINO_TRACK_CACHE: '/proc/dino-track-x' }, timeoutMs: 30_000 });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /cannot create the folder \/proc\/dino-track-x\/prepared/);
    assert.equal(existsSync(out), false);
  });
});
