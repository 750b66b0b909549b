import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decode } from 'fast-png';
import { encodeDavisPng } from '../../dist/export/index.js';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

describe('prompted mode (--init-mask)', () => {
  it('keeps the annotated frame, tracks only the given ids, and accepts a mask of another size', async () => {
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 1 });
    // Annotation drawn at twice the video size: objects 3 and 7.
    const labels = new Uint16Array(256 * 192);
    for (let y = 40; y < 100; y++) for (let x = 20; x < 90; x++) labels[y * 256 + x] = 3;
    for (let y = 100; y < 180; y++) for (let x = 150; x < 240; x++) labels[y * 256 + x] = 7;
    const mask = path.join(dir, 'init.png');
    writeFileSync(mask, encodeDavisPng(labels, 256, 192));
    const out = path.join(dir, 'out');
    const { code, stderr } = await runCli([video, '--init-mask', mask, '-o', out, '--format', 'davis', '--model', models.tiny, '--short-side', '96']);
    assert.equal(code, 0, stderr);
    const files = readdirSync(path.join(out, 'masks')).sort();
    assert.equal(files.length, 10);
    const first = decode(readFileSync(path.join(out, 'masks', files[0])));
    for (let y = 0; y < 96; y++) for (let x = 0; x < 128; x++) assert.equal(first.data[y * 128 + x], labels[(2 * y + 1) * 256 + 2 * x + 1]);
    for (const file of files) {
      const ids = new Set(decode(readFileSync(path.join(out, 'masks', file))).data);
      for (const id of ids) assert.ok([0, 3, 7].includes(id), `unexpected id ${id} in ${file}`);
    }
  });

  it('says in one line that TMPDIR is unusable (missing, a file), leaving nothing behind', async () => {
    // A second trial: a bad TMPDIR gave mkdtemp's bare "ENOENT: no such file or directory, mkdtemp …".
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 1 });
    const labels = new Uint16Array(128 * 96);
    for (let y = 20; y < 50; y++) for (let x = 20; x < 60; x++) labels[y * 128 + x] = 1;
    const mask = path.join(dir, 'init.png');
    writeFileSync(mask, encodeDavisPng(labels, 128, 96));
    writeFileSync(path.join(dir, 'a-file'), 'x');
    for (const [tmp, reason] of [[path.join(dir, 'missing'), 'does not exist \\(ENOENT\\)'], [path.join(dir, 'a-file'), 'is not a folder \\(ENOTDIR\\)']]) {
      const { code, stderr } = await runCli([video, '--init-mask', mask, '-o', path.join(dir, 'out'), '--format', 'davis', '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { env: { TMPDIR: tmp } });
      assert.equal(code, 1, stderr);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr.trim(), new RegExp(`^dino-track: error: the temporary folder \\S+ ${reason}; set TMPDIR to a folder that exists and can be written, e\\.g\\. TMPDIR=/tmp$`));
      assert.deepEqual(readdirSync(dir).sort(), ['a-file', 'in.mp4', 'init.png']);
    }
  });

  it('refuses a mask that marks no object, with one line', async () => {
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 1 });
    const mask = path.join(dir, 'empty.png');
    writeFileSync(mask, encodeDavisPng(new Uint16Array(128 * 96), 128, 96));
    const { code, stderr } = await runCli([video, '--init-mask', mask, '-o', path.join(dir, 'out'), '--model', models.tiny, '--short-side', '96']);
    assert.equal(code, 1);
    assert.match(stderr, /marks no object/);
    assert.deepEqual(readdirSync(dir).sort(), ['empty.png', 'in.mp4']);
  });

  it('refuses a mask of another shape than the video (it was stretched to fit), with one line', async () => {
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 1 });
    const mask = path.join(dir, 'portrait.png');
    writeFileSync(mask, encodeDavisPng(new Uint16Array(96 * 128).fill(1), 96, 128));
    const { code, stderr } = await runCli([video, '--init-mask', mask, '-o', path.join(dir, 'out'), '--model', models.tiny, '--short-side', '96']);
    assert.equal(code, 1);
    // The video's shape turned a quarter: what a rotation tag does (trial 10: the message did not say why).
    assert.match(stderr, /^dino-track: error: --init-mask .*portrait\.png is 96x128 \(WxH\), another shape than the video's 128x96; it fits the video turned a quarter: frames are decoded upright \(as a rotation tag says\), so draw it on an upright frame, e\.g\. one of our davis masks\n$/);
    assert.deepEqual(readdirSync(dir).sort(), ['in.mp4', 'portrait.png']);
    const square = path.join(dir, 'square.png');
    writeFileSync(square, encodeDavisPng(new Uint16Array(96 * 96).fill(1), 96, 96));
    const other = await runCli([video, '--init-mask', square, '-o', path.join(dir, 'out'), '--model', models.tiny, '--short-side', '96']);
    assert.equal(other.code, 1);
    assert.match(other.stderr, /^dino-track: error: --init-mask .*square\.png is 96x96 \(WxH\), another shape than the video's 128x96; give a mask of this video \(any size of its shape\)\n$/);
  });

  it('refuses a prompt of another shape, or no PNG, before the model has run over the video', async () => {
    // A review: the shape was checked only once the whole video's features were there (minutes to hours on a CPU).
    const dir = makeTempDir();
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, seconds: 2 });
    const prompts = path.join(dir, 'fixes');
    mkdirSync(prompts);
    writeFileSync(path.join(prompts, '00000.png'), encodeDavisPng(new Uint16Array(128 * 96).fill(1), 128, 96));
    writeFileSync(path.join(prompts, '00010.png'), encodeDavisPng(new Uint16Array(96 * 96).fill(1), 96, 96));
    const shaped = await runCli([video, '--prompts', prompts, '-o', path.join(dir, 'out'), '--model', models.tiny, '--short-side', '96', '--progress', 'json']);
    assert.equal(shaped.code, 1);
    assert.match(shaped.stderr, /^dino-track: error: --prompts .*00010\.png is 96x96 \(WxH\), another shape than the video's 128x96/m);
    assert.doesNotMatch(shaped.stderr, /"stage":"features"/, 'no frame went through the model');
    writeFileSync(path.join(prompts, '00010.png'), 'not a png');
    const text = await runCli([video, '--prompts', prompts, '-o', path.join(dir, 'out'), '--model', models.tiny, '--short-side', '96', '--progress', 'json']);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /--prompts .*00010\.png is not a PNG/);
    assert.doesNotMatch(text.stderr, /"stage":"features"/);
    // Cut short in its header, or a folder by a prompt's name: each said as such (a review: "0x0", a raw EISDIR).
    writeFileSync(path.join(prompts, '00010.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]));
    const short = await runCli([video, '--prompts', prompts, '-o', path.join(dir, 'out'), '--model', models.tiny, '--short-side', '96']);
    assert.match(short.stderr, /^dino-track: error: --prompts .*00010\.png is a damaged or cut-short PNG \(10 bytes\)/);
    rmSync(path.join(prompts, '00010.png'));
    mkdirSync(path.join(prompts, '00010.png'));
    const folder = await runCli([video, '--prompts', prompts, '-o', path.join(dir, 'out'), '--model', models.tiny, '--short-side', '96']);
    assert.match(folder.stderr, /^dino-track: error: --prompts .*00010\.png cannot be read \(EISDIR\); check the path\n$/);
    assert.deepEqual(readdirSync(dir).sort(), ['fixes', 'in.mp4']);
  });
});
