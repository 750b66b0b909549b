import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encode } from 'fast-png';
import { encodeDavisPng, getDavisPalette } from '../../dist/export/index.js';
import { makeTempDir, runCli, writePackedPng } from '../fixtures.js';

const width = 64;
const height = 48;
/** Label map of squares `[id, x0, y0, size]` on a `w`×`h` frame. */
function drawSquares(squares, w = width, h = height) {
  const labels = new Uint16Array(w * h);
  for (const [id, x0, y0, size] of squares) for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) labels[y * w + x] = id;
  return labels;
}
function writeMasks(dir, frames, names = frames.map((_, t) => String(t).padStart(5, '0'))) {
  mkdirSync(dir, { recursive: true });
  frames.forEach((squares, t) => writeFileSync(path.join(dir, `${names[t]}.png`), encodeDavisPng(drawSquares(squares), width, height)));
  return dir;
}
async function evaluate(pred, gt, ...options) {
  const { code, stdout, stderr } = await runCli(['eval', '--pred', pred, '--gt', gt, '--json', ...options]);
  assert.equal(code, 0, stderr);
  return JSON.parse(stdout);
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

  it('reads masks in every form prompts take: 4-bit palette, davis-palette colours (RGB)', async () => {
    // A second trial: eval read 1-, 2- and 4-bit PNGs byte by byte and refused colour ones, which --prompts reads.
    const dir = makeTempDir();
    const labels = drawSquares([[1, 5, 5, 10], [2, 30, 20, 12]]);
    mkdirSync(path.join(dir, 'gt'));
    writePackedPng(path.join(dir, 'gt', '00000.png'), [...labels], width, height, 4);
    mkdirSync(path.join(dir, 'pred'));
    const palette = getDavisPalette();
    const rgb = new Uint8Array(width * height * 3);
    labels.forEach((id, i) => rgb.set(palette[id], 3 * i));
    writeFileSync(path.join(dir, 'pred', '00000.png'), encode({ width, height, data: rgb, channels: 3, depth: 8 }));
    const score = await evaluate(path.join(dir, 'pred'), path.join(dir, 'gt'));
    assert.deepEqual(score.perObject.map((o) => [o.truthId, o.predictedId, o.j, o.f]), [[1, 1, 1, 1], [2, 2, 1, 1]]);
  });

  it('refuses ground truth with no object (all background or void) instead of a perfect score', async () => {
    const dir = makeTempDir();
    mkdirSync(path.join(dir, 'gt'));
    writeFileSync(path.join(dir, 'gt', '00000.png'), encodeDavisPng(drawSquares([[255, 0, 0, 20]]), width, height));
    const pred = writeMasks(path.join(dir, 'pred'), [[[1, 5, 5, 10]]]);
    const { code, stdout, stderr } = await runCli(['eval', '--pred', pred, '--gt', path.join(dir, 'gt')]);
    assert.equal(code, 1, stdout);
    assert.match(stderr.trim(), /^dino-track: error: \S+gt marks no object in any frame \(only 0, background, and 255, void\); nothing to score/);
  });

  it("takes each frame's boundary tolerance from that frame's size", async () => {
    // Frame 1 is 640x480 (tolerance ceil(0.008 x 800) = 7 px), where the prediction is 5 px lower;
    // scored with frame 0's size (64x48, 1 px), it lost F.
    const dir = makeTempDir();
    const [big, bigHeight] = [640, 480];
    for (const [name, shift] of [['gt', 0], ['pred', 5]]) {
      mkdirSync(path.join(dir, name));
      writeFileSync(path.join(dir, name, '00000.png'), encodeDavisPng(drawSquares([[1, 5, 5, 10]]), width, height));
      writeFileSync(path.join(dir, name, '00001.png'), encodeDavisPng(drawSquares([[1, 100, 2 + shift, 200]], big, bigHeight), big, bigHeight));
    }
    const score = await evaluate(path.join(dir, 'pred'), path.join(dir, 'gt'));
    assert.equal(score.f, 1);
    assert.ok(score.j < 1);
  });

  it('orders frames by their numbers, not their characters (99999 before 100000)', async () => {
    const dir = makeTempDir();
    const names = ['99998', '99999', '100000'];
    const gt = writeMasks(path.join(dir, 'gt'), [[[1, 5, 5, 10]], [[1, 5, 5, 10]], [[1, 5, 5, 10]]], names);
    // Ids 5, 6, 5 in frame order: two switches (by characters, 100000 came first: 5, 5, 6, one).
    const pred = writeMasks(path.join(dir, 'pred'), [[[5, 5, 5, 10]], [[6, 5, 5, 10]], [[5, 5, 5, 10]]], names);
    assert.equal((await evaluate(pred, gt)).idSwitches, 2);
  });

  it("pairs ids as davis2017-evaluation's unsupervised protocol does by default, and offers its semi-supervised one and IDF1's", async () => {
    const dir = makeTempDir();
    // Objects are 20x20; a track covering the top h rows of one scores J h/20. Track 7 covers
    // object 1 at J 0.6 in frames 0-1 and 0.35 in frames 2-3; track 8 covers object 2 at J 0.4 in
    // every frame, so IDF1's pairing (frames at J > 0.5) has nothing for it and DAVIS's pairs it.
    const gt = writeMasks(path.join(dir, 'gt'), Array.from({ length: 4 }, () => [[1, 10, 10, 20], [2, 40, 10, 20]]));
    const pred = path.join(dir, 'pred');
    mkdirSync(pred);
    const rows = (labels, id, x0, h) => {
      for (let y = 10; y < 10 + h; y++) for (let x = x0; x < x0 + 20; x++) labels[y * width + x] = id;
      return labels;
    };
    for (let t = 0; t < 4; t++) {
      const labels = rows(rows(new Uint16Array(width * height), 7, 10, t < 2 ? 12 : 7), 8, 40, 8);
      writeFileSync(path.join(pred, `0000${t}.png`), encodeDavisPng(labels, width, height));
    }
    const objectJ = (score) => score.perObject.map((o) => [o.truthId, o.predictedId, o.j.toFixed(3)]);
    const unsupervised = await evaluate(pred, gt);
    assert.equal(unsupervised.protocol, 'unsupervised');
    assert.deepEqual(objectJ(unsupervised), [[1, 7, '0.475'], [2, 8, '0.400']]);
    const idf1 = await evaluate(pred, gt, '--protocol', 'idf1');
    assert.deepEqual(objectJ(idf1), [[1, 7, '0.475'], [2, null, '0.000']]);
    // A third trial: the key was left out of --json (a reader's o["predictedId"] failed).
    assert.ok('predictedId' in idf1.perObject[1]);
    // Semi-supervised: ids as given (7 and 8 are no object's) over frames 1 and 2 only.
    const semi = await evaluate(pred, gt, '--protocol', 'semi-supervised');
    assert.equal(semi.frames, 2);
    assert.deepEqual(objectJ(semi), [[1, null, '0.000'], [2, null, '0.000']]);
  });

  it('semi-supervised leaves out the first and last frames and needs three', async () => {
    const dir = makeTempDir();
    const gt = writeMasks(path.join(dir, 'gt'), Array.from({ length: 4 }, () => [[1, 10, 10, 20]]));
    // Right on frames 1-2, nothing on the given first frame and on the last.
    const pred = writeMasks(path.join(dir, 'pred'), [[], [[1, 10, 10, 20]], [[1, 10, 10, 20]], []]);
    const semi = await evaluate(pred, gt, '--protocol', 'semi-supervised');
    assert.deepEqual([semi.j, semi.f, semi.frames], [1, 1, 2]);
    assert.equal((await evaluate(pred, gt)).j, 0.5);
    const short = writeMasks(path.join(dir, 'gt-short'), [[[1, 10, 10, 20]], [[1, 10, 10, 20]]]);
    const { code, stderr } = await runCli(['eval', '--pred', pred, '--gt', short, '--protocol', 'semi-supervised']);
    assert.equal(code, 1);
    assert.match(stderr.trim(), /^dino-track: error: --protocol semi-supervised scores the frames between the first and the last, and \S+ has 2; give at least 3 ground-truth frames, or use --protocol unsupervised$/);
  });
});
