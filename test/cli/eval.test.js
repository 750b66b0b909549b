import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encodeDavisPng } from '../../dist/export/index.js';
import { makeTempDir, runCli } from '../fixtures.js';

const width = 64;
const height = 48;
function writeMasks(dir, frames) {
  mkdirSync(dir, { recursive: true });
  frames.forEach((squares, t) => {
    const labels = new Uint16Array(width * height);
    for (const [id, x0, y0, size] of squares) for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) labels[y * width + x] = id;
    writeFileSync(path.join(dir, `${String(t).padStart(5, '0')}.png`), encodeDavisPng(labels, width, height));
  });
  return dir;
}

describe('dino-track eval', () => {
  it('scores identical masks 1, under any id naming', async () => {
    const dir = makeTempDir();
    const gt = writeMasks(path.join(dir, 'gt'), [[[1, 5, 5, 10], [2, 30, 20, 12]], [[1, 6, 5, 10], [2, 31, 20, 12]]]);
    const pred = writeMasks(path.join(dir, 'pred', 'masks'), [[[4, 5, 5, 10], [9, 30, 20, 12]], [[4, 6, 5, 10], [9, 31, 20, 12]]]);
    const { code, stdout, stderr } = await runCli(['eval', '--pred', path.join(dir, 'pred'), '--gt', gt, '--json']);
    assert.equal(code, 0, stderr);
    const score = JSON.parse(stdout);
    assert.equal(score.j, 1);
    assert.equal(score.f, 1);
    assert.equal(score.idSwitches, 0);
    assert.equal(score.idf1, 1);
  });

  it('says which ground-truth frames have no prediction, and refuses when none has (a naming slip)', async () => {
    const dir = makeTempDir();
    const gt = writeMasks(path.join(dir, 'gt'), [[[1, 5, 5, 10]], [[1, 6, 5, 10]], [[1, 7, 5, 10]]]);
    const pred = writeMasks(path.join(dir, 'pred'), [[[1, 5, 5, 10]], [[1, 6, 5, 10]]]);
    const partial = await runCli(['eval', '--pred', pred, '--gt', gt, '--json']);
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stderr, /^dino-track: 1 of 3 ground-truth frames have no prediction of the same name \(00002\.png\); they count as empty predictions$/m);
    // Predictions named otherwise (1-based, another prefix): nothing to score, not J 0.
    const other = path.join(dir, 'other');
    mkdirSync(other);
    writeFileSync(path.join(other, 'frame1.png'), encodeDavisPng(new Uint16Array(width * height), width, height));
    const none = await runCli(['eval', '--pred', other, '--gt', gt]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^dino-track: error: no ground-truth mask has a prediction of the same name \(ground truth 00000\.png …, predictions frame1\.png …\); name them alike/);
  });

  it('prints a table and scores a missing object 0', async () => {
    const dir = makeTempDir();
    const gt = writeMasks(path.join(dir, 'gt'), [[[1, 5, 5, 10], [2, 30, 20, 12]]]);
    const pred = writeMasks(path.join(dir, 'pred'), [[[1, 5, 5, 10]]]);
    const { code, stdout } = await runCli(['eval', '--pred', pred, '--gt', gt]);
    assert.equal(code, 0);
    assert.match(stdout, /^\s+1\s+1\s+1\.000\s+1\.000$/m);
    assert.match(stdout, /^\s+2\s+-\s+0\.000\s+0\.000$/m);
    assert.match(stdout, /^mean\s+0\.500\s+0\.500$/m);
  });

  it('says what to give instead: a path that does not exist, a batch output, an overlay-only output, a file', async () => {
    const dir = makeTempDir();
    const gt = writeMasks(path.join(dir, 'gt'), [[[1, 5, 5, 10]]]);
    writeMasks(path.join(dir, 'batch', 'cat', 'masks'), [[[1, 5, 5, 10]]]);
    writeMasks(path.join(dir, 'batch', 'dog', 'masks'), [[[1, 5, 5, 10]]]);
    mkdirSync(path.join(dir, 'overlay-only'));
    writeFileSync(path.join(dir, 'overlay-only', 'overlay.mp4'), 'x');
    const cases = [
      [path.join(dir, 'nonexistent'), /^dino-track: error: --pred \S+nonexistent does not exist; check the path$/],
      [path.join(dir, 'batch'), /^dino-track: error: --pred \S+batch holds no \.png masks but 2 folders of them \(a batch output, one per video\); score each video's folder, e\.g\. --pred \S+batch\/cat$/],
      [path.join(dir, 'overlay-only'), /^dino-track: error: --pred \S+overlay-only holds no \.png masks; run track with --format davis/],
      [path.join(dir, 'overlay-only', 'overlay.mp4'), /^dino-track: error: --pred \S+overlay\.mp4 is a file, not a folder; give a folder of PNG masks \(track writes them with --format davis\)$/],
    ];
    for (const [pred, pattern] of cases) {
      const { code, stderr } = await runCli(['eval', '--pred', pred, '--gt', gt]);
      assert.equal(code, 1, stderr);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr.trim(), pattern);
    }
  });

  it('refuses masks of another size with one line', async () => {
    const dir = makeTempDir();
    const gt = writeMasks(path.join(dir, 'gt'), [[[1, 5, 5, 10]]]);
    mkdirSync(path.join(dir, 'pred'));
    writeFileSync(path.join(dir, 'pred', '00000.png'), encodeDavisPng(new Uint16Array(10 * 10), 10, 10));
    const { code, stderr } = await runCli(['eval', '--pred', path.join(dir, 'pred'), '--gt', gt]);
    assert.equal(code, 1);
    assert.match(stderr, /is 10x10 but .* is 64x48/);
  });
});
