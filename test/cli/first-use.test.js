// What a first-time user's trial found: each refused up front, one line, the right exit code.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { encode } from 'fast-png';
import { getPaletteColor } from '../../dist/export/index.js';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

const work = makeTempDir();
const env = { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
const model = ['--model', models.tiny, '--short-side', '96', '--progress', 'none'];
const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 0.5 });

/** One line on stderr, `dino-track: error: …`, and the exit code. */
async function refused(args, code, message) {
  const run = await runCli(args, { env });
  assert.equal(run.code, code, run.stderr);
  assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  assert.match(run.stderr, message);
  return run;
}

/** A 128x96 grey PNG (8 or 16 bits) with `rects` [id, x0, y0, x1, y1] painted. */
function writeMask(file, rects, depth = 8) {
  const data = depth === 16 ? new Uint16Array(128 * 96) : new Uint8Array(128 * 96);
  for (const [id, x0, y0, x1, y1] of rects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * 128 + x] = id;
  writeFileSync(file, encode({ width: 128, height: 96, data, channels: 1, depth }));
  return file;
}

describe('first use: outputs', () => {
  it('--save-features inside the -o folder is refused before any work (it would go with the folder), with --overwrite or not', async () => {
    const out = path.join(work, 'out-sf');
    // An earlier run's output, replaced with --overwrite: the cache written inside used to be deleted with it.
    assert.equal((await runCli([video, '-o', out, '--format', 'coco', ...model], { env })).code, 0);
    for (const extra of [['--overwrite'], []]) {
      await refused([video, '-o', out, '--format', 'coco', '--save-features', path.join(out, 'feat.safetensors'), ...extra, ...model], 2,
        /^dino-track: error: --save-features .*out-sf\/feat\.safetensors is inside -o .*out-sf, which the run replaces as a whole; write it outside/);
    }
    // An empty folder: the cache made it non-empty, and the rename into place failed with a raw ENOTEMPTY.
    const empty = path.join(work, 'out-empty');
    mkdirSync(empty);
    await refused([video, '-o', empty, '--save-features', path.join(empty, 'sf4'), ...model], 2, /--save-features .*sf4 is inside -o/);
    assert.deepEqual(readdirSync(empty), []);
  });

  it('an -o or --save-features that is a link to nothing is refused, the link left as it was (it was replaced by a file)', async () => {
    const link = path.join(work, 'dangling.mp4');
    symlinkSync(path.join(work, 'nowhere.mp4'), link);
    await refused([video, '-o', link, ...model], 2, /^dino-track: error: -o .*dangling\.mp4 is a link to nothing; give another name, or remove the link\n$/);
    const features = path.join(work, 'dangling.safetensors');
    symlinkSync(path.join(work, 'nowhere.safetensors'), features);
    await refused([video, '-o', path.join(work, 'o-dangling'), '--save-features', features, ...model], 2, /--save-features .*dangling\.safetensors is a link to nothing/);
    assert.ok(lstatSync(link).isSymbolicLink() && lstatSync(features).isSymbolicLink());
    // With a trailing slash (a folder output): it ran everything, then failed with a raw ENOTDIR.
    const folderLink = path.join(work, 'dangling-dir');
    symlinkSync(path.join(work, 'nowhere-dir'), folderLink);
    await refused([video, '-o', `${folderLink}/`, '--format', 'davis', ...model], 2, /-o .*dangling-dir\/ is a link to nothing/);
  });

  it('an -o that is a link to a folder (on a larger disk, say) is written through: the folder gets the output, the link stays', async () => {
    // A first-time user's trial: the run did all its work, then failed with a raw ENOTDIR from the final rename.
    const big = path.join(work, 'big-disk-out');
    mkdirSync(big);
    const link = path.join(work, 'out-link');
    symlinkSync(big, link);
    for (const [target, extra] of [[link, []], [`${link}/`, ['--overwrite']]]) {
      const run = await runCli([video, '-o', target, '--format', 'davis', ...extra, ...model], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.deepEqual(readdirSync(path.join(link, 'masks')).length, 5);
    }
    assert.deepEqual(readdirSync(work).filter((n) => n.startsWith('.big-disk-out') || n.startsWith('.out-link')), []);
  });

  it('an -o that is a mount point, or a link to one, is refused before any work, naming a folder inside it', async (t) => {
    // A review: through a link to a mounted disk the run did all its work, then failed with a raw EBUSY (a folder output is renamed into place).
    const mount = path.join(work, 'mounted-disk');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      return t.skip('needs a tmpfs mount (run as root)');
    }
    try {
      const link = path.join(work, 'out-to-mount');
      symlinkSync(mount, link);
      for (const target of [mount, link]) {
        await refused([video, '-o', target, '--format', 'davis', ...model], 2, /^dino-track: error: -o .*mounted-disk is a mount point \(another disk than its parent folder\); .*give a folder inside it, e\.g\. -o .*mounted-disk\/out\n$/);
      }
      assert.deepEqual(readdirSync(mount), []);
      const inside = await runCli([video, '-o', path.join(link, 'out'), '--format', 'davis', ...model], { env });
      assert.equal(inside.code, 0, inside.stderr);
    } finally {
      execFileSync('umount', [mount]);
    }
  });

  it('--format "" is refused, not taken as the default', async () => {
    await refused([video, '-o', path.join(work, 'o-empty-format'), '--format', '', ...model], 2, /Expected a comma list of overlay, davis, .* for --format but received ""/);
  });

  it('a folder holding only .DS_Store or Thumbs.db is taken as empty, and keeps them (we delete nothing we did not write)', async () => {
    for (const junk of ['.DS_Store', 'Thumbs.db']) {
      const out = path.join(work, `junk-${junk}`);
      mkdirSync(out);
      writeFileSync(path.join(out, junk), 'finder');
      const run = await runCli([video, '-o', out, '--format', 'coco', ...model], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(existsSync(path.join(out, 'coco.json')));
      assert.equal(readFileSync(path.join(out, junk), 'utf8'), 'finder', `${junk} is kept`);
      // Replacing our own output keeps them too.
      const again = await runCli([video, '-o', out, '--format', 'coco', '--overwrite', ...model], { env });
      assert.equal(again.code, 0, again.stderr);
      assert.equal(readFileSync(path.join(out, junk), 'utf8'), 'finder', `${junk} is kept when the output is replaced`);
    }
  });

  it('a folder whose only files are notes inside masks/ is empty too, and keeps them (a first-time user\'s trial)', async () => {
    const out = path.join(work, 'junk-inside');
    mkdirSync(path.join(out, 'masks'), { recursive: true });
    for (const junk of ['.DS_Store', 'Thumbs.db']) writeFileSync(path.join(out, 'masks', junk), 'finder');
    for (const [format, overwrite] of [['coco', []], ['coco', ['--overwrite']], ['davis', ['--overwrite']]]) {
      const run = await runCli([video, '-o', out, '--format', format, ...overwrite, ...model], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(['.DS_Store', 'Thumbs.db'].map((junk) => readFileSync(path.join(out, 'masks', junk), 'utf8')), ['finder', 'finder'], `kept with --format ${format} ${overwrite}`);
    }
    // A real file among them is still the user's.
    const mixed = path.join(work, 'junk-and-work');
    mkdirSync(path.join(mixed, 'masks'), { recursive: true });
    writeFileSync(path.join(mixed, 'masks', '.DS_Store'), 'finder');
    writeFileSync(path.join(mixed, 'masks', 'fix.png'), 'work');
    await refused([video, '-o', mixed, '--format', 'coco', ...model], 2, /holds files dino-track did not write \(masks\)/);
    // A folder named as a note (._work/) holding a user's work is no note (a review: it passed for one, and --overwrite deleted it).
    const named = path.join(work, 'junk-named');
    mkdirSync(path.join(named, '._work'), { recursive: true });
    writeFileSync(path.join(named, '._work', 'thesis.txt'), 'work');
    for (const extra of [[], ['--overwrite']]) await refused([video, '-o', named, '--format', 'coco', ...extra, ...model], 2, /holds files dino-track did not write \(\._work\)/);
    assert.equal(readFileSync(path.join(named, '._work', 'thesis.txt'), 'utf8'), 'work');
  });
});

describe('first use: error order', () => {
  const taken = path.join(work, 'taken');
  it('a missing input, feature cache, mask or model is reported before "pass --overwrite" (exit 1, a bad file)', async () => {
    assert.equal((await runCli([video, '-o', taken, '--format', 'coco', ...model], { env })).code, 0);
    await refused([path.join(work, 'missing.mp4'), '-o', taken, '--format', 'coco', ...model], 1, /input .*missing\.mp4 does not exist or cannot be read \(ENOENT\); check the path/);
    await refused([video, '-o', taken, '--format', 'coco', '--model', path.join(work, 'missing.onnx')], 1, /model file .*missing\.onnx does not exist/);
    await refused(['-o', taken, '--format', 'coco', '--features', path.join(work, 'missing.safetensors')], 1, /feature cache .*missing\.safetensors does not exist \(ENOENT\)/);
    await refused([video, '-o', taken, '--format', 'coco', '--init-mask', path.join(work, 'missing.png'), ...model], 1, /--init-mask .*missing\.png cannot be read \(ENOENT\)/);
  });

  it('a --device that cannot work here is said before "pass --overwrite" (exit 2)', { skip: existsSync('/dev/nvidia0') && 'this machine has a GPU' }, async () => {
    const earlier = path.join(work, 'taken-device');
    assert.equal((await runCli([video, '-o', earlier, '--format', 'coco', ...model], { env })).code, 0);
    await refused([video, '-o', earlier, '--format', 'coco', '--device', 'cuda', ...model], 2, /--device cuda is not available here \(.+\); use --device auto or cpu/);
  });

  it('batch: a missing input is a bad file too (exit 1, as under track)', async () => {
    await refused(['batch', path.join(work, 'missing.mp4'), '-o', path.join(work, 'bo'), ...model], 1, /input .*missing\.mp4 does not exist or cannot be read \(ENOENT\); check the path/);
  });
});

describe('first use: prompts', () => {
  it('an id the davis PNG cannot hold is refused before decoding or loading the model', async () => {
    const prompts = path.join(work, 'p16');
    mkdirSync(prompts);
    writeMask(path.join(prompts, '00000.png'), [[300, 10, 10, 40, 40], [1000, 60, 40, 100, 80]], 16);
    const run = await refused([video, '--prompts', prompts, '-o', path.join(work, 'o16'), '--format', 'davis', '--model', path.join(work, 'not-loaded.onnx')], 2,
      /--prompts .*00000\.png marks id 300, which the davis format's 8-bit PNG cannot hold; number the objects 1-255, or leave davis out of --format/);
    assert.doesNotMatch(run.stderr, /not-loaded/);
  });

  it('a prompt with blended (anti-aliased) edges is named as such, not "raise --max-objects"', async () => {
    const prompts = path.join(work, 'fxaa');
    mkdirSync(prompts);
    // Two hard squares (ids 100 and 200) whose edges were smoothed: one-pixel bands of in-between values.
    const rects = [[100, 10, 10, 50, 50], [200, 70, 30, 110, 80]];
    const bands = [];
    for (let k = 0; k < 12; k++) bands.push([101 + k, 10 + 3 * k, 9, 13 + 3 * k, 10], [201 + k, 70 + 3 * k, 80, 73 + 3 * k, 81]);
    writeMask(path.join(prompts, '00000.png'), [...rects, ...bands]);
    await refused([video, '--prompts', prompts, '-o', path.join(work, 'ofx'), '--format', 'coco', ...model], 2,
      /--prompts .*fxaa marks 26 objects, more than --max-objects 8, and 24 of them are thin lines along other objects' edges: the PNG has blended \(anti-aliased\) edges; paint it with hard edges and save it without smoothing/);
    // Many real objects: the old advice stands.
    const many = path.join(work, 'many');
    mkdirSync(many);
    writeMask(path.join(many, '00000.png'), Array.from({ length: 10 }, (_, k) => [k + 1, 10 * k + 2, 10, 10 * k + 9, 20]));
    await refused([video, '--prompts', many, '-o', path.join(work, 'omany'), '--format', 'coco', ...model], 2, /--prompts .*many marks 10 objects, more than --max-objects 8; raise --max-objects$/m);
  });

  it('a blended edge that made a band of another object\'s id is said, though the objects are few', async () => {
    // A soft brush between red (1) and yellow (3) left 1-2 pixels of value 2 — blue's id —
    // along their edge: taken as blue's ground truth there, far from blue, without a word (trial 10).
    const prompts = path.join(work, 'band');
    mkdirSync(prompts);
    writeMask(path.join(prompts, '00000.png'), [[2, 100, 60, 120, 80], [1, 10, 10, 40, 40], [3, 41, 10, 70, 40], [2, 40, 12, 41, 38]]);
    const run = await runCli([video, '--prompts', prompts, '-o', path.join(work, 'oband'), '--format', 'coco', ...model], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^dino-track: --prompts .*band\/00000\.png: 26 pixels of id 2 at \(40, 12\) lie between pixels of a lower and a higher id, as blended \(anti-aliased\) edges leave them; they are taken as id 2 there \(paint with hard edges and save without smoothing if that is not meant\)$/m);
    // The same ids as objects, 2 a square touching 1 and 3, and a run's own 2-pixel sliver where three masks meet: nothing to say.
    const hard = path.join(work, 'hard');
    mkdirSync(hard);
    writeMask(path.join(hard, '00000.png'), [[1, 10, 10, 40, 40], [2, 40, 10, 60, 40], [3, 60, 10, 90, 40], [1, 10, 50, 40, 80], [3, 41, 50, 70, 80], [2, 40, 60, 41, 62]]);
    const quiet = await runCli([video, '--prompts', hard, '-o', path.join(work, 'ohard'), '--format', 'coco', ...model], { env });
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.doesNotMatch(quiet.stderr, /blended/);
  });

  it('checks a colour prompt (the davis palette\'s colours) as an indexed one: the blended band is said there too', async () => {
    // Colour prompts are read as ids (9232d36); the checks before the run skipped them.
    const prompts = path.join(work, 'band-rgb');
    mkdirSync(prompts);
    const ids = new Uint8Array(128 * 96);
    for (const [id, x0, y0, x1, y1] of [[2, 100, 60, 120, 80], [1, 10, 10, 40, 40], [3, 41, 10, 70, 40], [2, 40, 12, 41, 38]]) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) ids[y * 128 + x] = id;
    const data = new Uint8Array(128 * 96 * 3);
    ids.forEach((id, i) => data.set(getPaletteColor(id), i * 3));
    writeFileSync(path.join(prompts, '00000.png'), encode({ width: 128, height: 96, data, channels: 3, depth: 8 }));
    const run = await runCli([video, '--prompts', prompts, '-o', path.join(work, 'oband-rgb'), '--format', 'coco', ...model], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /^dino-track: --prompts .*band-rgb\/00000\.png: 26 pixels of id 2 at \(40, 12\) lie between pixels of a lower and a higher id/m);
  });
});

describe('first use: a prompt whose background has another index', () => {
  /** Runs one prompt of `rects` (writeMask's) through the CLI; its stderr. */
  async function runPrompt(name, rects) {
    const prompts = path.join(work, name);
    mkdirSync(prompts);
    writeMask(path.join(prompts, '00000.png'), rects);
    const run = await runCli([video, '--prompts', prompts, '-o', path.join(work, `o${name}`), '--format', 'coco', ...model], { env });
    assert.equal(run.code, 0, run.stderr);
    return run.stderr;
  }

  it('is said: an object covering nine tenths of the frame to its four edges', async () => {
    // A paint tool's optimised palette made a first-time user's grey background index 2 and the
    // square index 0: the background was tracked as object 2 without a word.
    const said = await runPrompt('renumbered', [[2, 0, 0, 128, 96], [0, 50, 30, 70, 50]]);
    assert.match(said, /^dino-track: --prompts .*renumbered\/00000\.png: id 2 covers 97% of the frame and reaches its four edges; if that is the background, save the PNG with the background as index 0 \(a paint tool's optimised palette renumbers the colours; our own masks' palette keeps 0 for it\)$/m);
  });

  it('is not said before a refusal of the same prompt: the shape error comes alone, in one line', async () => {
    // A first-time user's trial: a prompt resized to another shape, its palette renumbered, gave the notice, then the error.
    const prompts = path.join(work, 'renumbered-square');
    mkdirSync(prompts);
    const data = new Uint8Array(96 * 96).fill(2);
    for (let y = 30; y < 50; y++) for (let x = 40; x < 60; x++) data[y * 96 + x] = 0;
    writeFileSync(path.join(prompts, '00000.png'), encode({ width: 96, height: 96, data, channels: 1, depth: 8 }));
    const run = await runCli([video, '--prompts', prompts, '-o', path.join(work, 'orenumbered-square'), '--format', 'coco', ...model], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^dino-track: error: --prompts .*00000\.png is 96x96 \(WxH\), another shape than the video's 128x96; give a mask of this video \(any size of its shape\)\n$/);
  });

  it('is not said for a large object that leaves a border of background, nor for one id over the whole image', async () => {
    assert.doesNotMatch(await runPrompt('large', [[1, 0, 0, 128, 90]]), /covers/);
    // A placeholder, or a mask of another shape about to be refused in one line (test/e2e/prompted.test.js).
    assert.doesNotMatch(await runPrompt('whole', [[1, 0, 0, 128, 96]]), /covers/);
  });
});

describe('first use: messages', () => {
  it('too many arguments: no doubled punctuation', async () => {
    const run = await refused([video, video, '-o', path.join(work, 'x.mp4')], 2, /too many arguments/);
    assert.doesNotMatch(run.stderr, /\.;/);
  });

  it('batch --help shows its defaults unquoted', async () => {
    const { stdout } = await runCli(['batch', '--help']);
    assert.doesNotMatch(stdout, /default: "/);
    assert.match(stdout.replace(/\s+/g, ' '), /videos processed at once \(default: 1\)/);
  });

  it('the closing line says "1 frame", not "1 frames"', async () => {
    const one = makeVideo(path.join(work, 'one.mp4'), { width: 128, height: 96, fps: 10, seconds: 0.1 });
    const run = await runCli([one, '-o', path.join(work, 'one'), '--format', 'coco', ...model], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /: 1 frame, /);
  });

  it('batch -o - is refused: - is stdout, which batch cannot write', async () => {
    await refused(['batch', video, '-o', '-', ...model], 2, /batch writes one output per video into a folder; -o - \(stdout\) is for track/);
    assert.equal(existsSync('-'), false);
  });
});
