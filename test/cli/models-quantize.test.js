import assert from 'node:assert/strict';
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { onnx } from '../../dist/model/onnx-graph.js';
import { decodeModel, encodeModel, inspectModel } from '../../dist/model/index.js';
import { describeQuantized } from '../../dist/cli/models-command.js';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

const dir = makeTempDir();

/** A valid ONNX graph that is no ViT: y = relu(x). */
function writeNotAViT(file) {
  const info = (name) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 2 }] } } } });
  const graph = onnx.GraphProto.create({ name: 'relu', node: [{ opType: 'Relu', input: ['x'], output: ['y'] }], input: [info('x')], output: [info('y')] });
  writeFileSync(file, encodeModel(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ version: 13 }], graph })));
  return file;
}

describe('dino-track models quantize', () => {
  it('writes an int8 model and says so in one line; track runs on it end to end', async () => {
    const out = path.join(dir, 'tiny-int8.onnx');
    const { code, stdout, stderr } = await runCli(['models', 'quantize', models.tiny, '-o', out]);
    assert.equal(code, 0, stderr);
    assert.equal(stdout, '');
    assert.match(stderr, /^dino-track: wrote .*tiny-int8\.onnx: int8, 8 weight products quantized, 2 attentions fused, [\d.]+ MB \(from [\d.]+ MB\)\n$/);
    assert.equal(inspectModel(decodeModel(readFileSync(out), out), out).precision, 'int8');

    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 5, seconds: 1 });
    const masks = path.join(dir, 'masks');
    const run = await runCli([video, '-o', masks, '--format', 'davis', '--model', out, '--short-side', '96', '--device', 'cpu'], { env: { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(existsSync(path.join(masks, 'masks', '00004.png')), 'fifth mask missing');
  });

  it('counts in its closing line with the right number: 1 attention fused, 2 attentions', () => {
    const line = (weightProducts, attentionProducts, fusedAttentions) => describeQuantized('m.onnx', { weightProducts, attentionProducts, fusedAttentions, form: 'fused' }, 4e6, 1e6);
    assert.equal(line(4, 0, 1), 'dino-track: wrote m.onnx: int8, 4 weight products quantized, 1 attention fused, 1.0 MB (from 4.0 MB)');
    assert.equal(line(1, 1, 0), 'dino-track: wrote m.onnx: int8, 1 weight product and 1 attention product quantized, 1.0 MB (from 4.0 MB)');
    assert.equal(line(8, 2, 2), 'dino-track: wrote m.onnx: int8, 8 weight products and 2 attention products quantized, 2 attentions fused, 1.0 MB (from 4.0 MB)');
  });

  it('refuses an existing output without --overwrite (exit 2), replaces it with', async () => {
    const out = path.join(dir, 'exists.onnx');
    writeFileSync(out, 'keep me');
    const refused = await runCli(['models', 'quantize', models.hfEager, '-o', out]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /exists\.onnx already exists; pass --overwrite to replace it/);
    assert.equal(readFileSync(out, 'utf8'), 'keep me');
    // Nor with it, for a file dino-track did not write (a third trial: --overwrite replaced a user's files).
    for (const other of [out, models.hfInt8]) {
      const copy = path.join(dir, `not-ours-${path.basename(other)}`);
      copyFileSync(other, copy);
      const kept = await runCli(['models', 'quantize', models.hfEager, '-o', copy, '--overwrite']);
      assert.equal(kept.code, 2, kept.stderr);
      assert.match(kept.stderr.trim(), /^dino-track: error: -o \S+ exists and is not a model dino-track prepared or quantized \(its producer is not dino-track; earlier versions kept the original producer\); --overwrite replaces only dino-track's own outputs/);
      assert.ok(readFileSync(copy).equals(readFileSync(other)));
    }
    // Its own output it replaces.
    const first = await runCli(['models', 'quantize', models.hfEager, '-o', path.join(dir, 'ours.onnx')]);
    assert.equal(first.code, 0, first.stderr);
    const replaced = await runCli(['models', 'quantize', models.hfEager, '-o', path.join(dir, 'ours.onnx'), '--overwrite']);
    assert.equal(replaced.code, 0, replaced.stderr);
    const written = decodeModel(readFileSync(path.join(dir, 'ours.onnx')), out);
    assert.equal(inspectModel(written, out).precision, 'int8');
    assert.deepEqual([written.producerName, written.producerVersion], ['dino-track', 'from pytorch 2.13.0']);
  });

  it('fails in one line on a graph that is not a ViT and on an int8 or q4 model (exit 1), writing nothing', async () => {
    const cases = [
      [writeNotAViT(path.join(dir, 'relu.onnx')), /does not look like a DINO ViT: no 4-D image input/],
      [models.hfInt8, /is already int8; quantize the float32 model/],
      [models.hfQ4, /is already q4; quantize the float32 model/],
    ];
    for (const [input, message] of cases) {
      const out = path.join(dir, `${path.basename(input)}-int8.onnx`);
      const { code, stderr } = await runCli(['models', 'quantize', input, '-o', out]);
      assert.equal(code, 1, stderr);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, message);
      assert.ok(!existsSync(out));
    }
  });
});

describe('models quantize and prepare: -o checked as track checks it, before any work (exit 2, one line)', () => {
  const work = makeTempDir();
  const model = path.join(work, 'model.onnx');
  copyFileSync(models.tiny, model);
  symlinkSync(model, path.join(work, 'link.onnx'));
  linkSync(model, path.join(work, 'hard.onnx'));
  mkdirSync(path.join(work, 'qd'));
  symlinkSync(path.join(work, 'nowhere.onnx'), path.join(work, 'dangling.onnx'));
  const original = readFileSync(model);
  const at = (name) => path.join(work, name);
  const cases = [
    // The input itself: with --overwrite the fp32 model was replaced by its own int8 copy (rc 0).
    [model, [model, '--overwrite'], /^dino-track: error: -o .*model\.onnx is the same path as FILE .*model\.onnx: the run would replace what it reads; give another -o$/],
    [model, [`${work}/./model.onnx`, '--overwrite'], /is the same path as FILE/],
    [at('link.onnx'), [model, '--overwrite'], /is the same path as FILE/],
    [model, [at('link.onnx'), '--overwrite'], /is the same path as FILE/],
    [model, [at('hard.onnx'), '--overwrite'], /is the same path as FILE/],
    // A folder: did all the work, then a raw EISDIR from the rename.
    [model, [at('qd'), '--overwrite'], /^dino-track: error: -o .*qd is a folder; give a file name such as .*qd\/model\.onnx$/],
    [model, [at('qd')], /qd is a folder; give a file name such as/],
    [model, [`${at('qd')}/`], /qd\/ names a folder; give a file name such as .*qd\/model\.onnx$/],
    [model, [`${at('nq')}/`], /nq\/ names a folder; give a file name such as/],
    // A parent that cannot hold the file: a raw ENOENT on the .partial file, or a folder made silently.
    [model, ['/proc/x.onnx'], /^dino-track: error: output directory \/proc is not writable \(\w+\); choose another -o or fix its permissions$/],
    [model, [at('nodir/x.onnx')], /^dino-track: error: output directory .*nodir does not exist; create it first$/],
    // Nothing, stdout, a link to nothing: a raw ENOENT after all the work, a file named '-', the link replaced by a file.
    [model, [''], /^dino-track: error: Expected a path for -o but received nothing; e\.g\. -o model\.onnx$/],
    [model, ['-'], /^dino-track: error: -o - \(stdout\) is for track --format ndjson; this writes a file: give a name such as model\.onnx$/],
    [model, [at('dangling.onnx')], /^dino-track: error: -o .*dangling\.onnx is a link to nothing; give another name, or remove the link$/],
  ];
  const before = readdirSync(work).sort();
  for (const command of [['quantize'], ['prepare', '--size', '96x96']]) {
    for (const [input, [output, ...rest], message] of cases) {
      it(`${command[0]} ${path.basename(input)} -o ${output.replace(work, 'DIR')} ${rest.join(' ')}`, async () => {
        const { code, stderr } = await runCli(['models', ...command, input, '-o', output, ...rest]);
        assert.equal(code, 2, stderr);
        assert.equal(stderr.trim().split('\n').length, 1, stderr);
        assert.match(stderr.trim(), message);
        assert.deepEqual(readFileSync(model), original, 'the input model changed');
        assert.deepEqual(readdirSync(work).sort(), before, 'something was written');
        assert.deepEqual(readdirSync(at('qd')), []);
      });
    }
  }
});
