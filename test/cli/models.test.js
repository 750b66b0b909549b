import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SafetensorsFile } from '../../dist/features/safetensors.js';
import { decodeModel, encodeModel, openSession } from '../../dist/model/index.js';
import { addClassifierHead, getClosedUrl, hfLayouts, makeReadOnlyDir, makeTempDir, makeVideo, models, references, runCli, withNewerField } from '../fixtures.js';

const dir = makeTempDir();

describe('dino-track models', () => {
  it('list shows the four registry models', async () => {
    const { code, stdout } = await runCli(['models', 'list'], { env: { DINO_TRACK_CACHE: dir } });
    assert.equal(code, 0);
    for (const name of ['dino-vits16', 'dino-vits8', 'dino-vitb16', 'dino-vitb8']) assert.match(stdout, new RegExp(`^${name}\\s`, 'm'));
  });

  it('clean removes the prepared models track cached, and the copies killed runs were writing, and nothing else', async () => {
    const cache = makeTempDir();
    const prepared = path.join(cache, 'prepared');
    mkdirSync(prepared);
    writeFileSync(path.join(prepared, '0123abcd-prep3-96x128.onnx'), Buffer.alloc(2 ** 20));
    writeFileSync(path.join(prepared, 'notes.txt'), 'mine');
    // A review: a run killed while writing a prepared model left its temporary copy (a model's size) for good.
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const left = path.join(prepared, `.0123abcd-prep3-96x128.onnx.${dead}-0a1b2c.partial.onnx`);
    writeFileSync(left, Buffer.alloc(2 ** 20));
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(left, old, old);
    // One a live run is writing now stays, and so does a fresh one whose pid is unknown here (another container's).
    const writing = `.0123abcd-prep3-96x128.onnx.${process.pid}-0a1b2c.partial.onnx`;
    writeFileSync(path.join(prepared, writing), 'being written');
    const elsewhere = `.0123abcd-prep3-96x128.onnx.${dead}-3d4e5f.partial.onnx`;
    writeFileSync(path.join(prepared, elsewhere), 'being written elsewhere');
    const { code, stderr } = await runCli(['models', 'clean'], { env: { DINO_TRACK_CACHE: cache } });
    assert.equal(code, 0, stderr);
    assert.equal(stderr, `dino-track: removed 1 prepared model (2.0 MiB) from ${prepared}; track prepares them again when needed\n`);
    assert.deepEqual(readdirSync(prepared).sort(), [writing, elsewhere, 'notes.txt'].sort());
  });

  it('ignores a relative XDG_CACHE_HOME, as the XDG spec says (it put the cache under the folder a run started in)', async () => {
    const home = makeTempDir();
    const { code, stderr } = await runCli(['models', 'clean'], { env: { DINO_TRACK_CACHE: '', XDG_CACHE_HOME: 'relcache', HOME: home } });
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`from ${path.join(home, '.cache', 'dino-track', 'prepared').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')};`));
  });

  it('DINO_TRACK_CACHE naming a file: one line, exit 2, before any work (track, batch, models clean, models list)', async () => {
    const work = makeTempDir();
    const file = path.join(work, 'cache-file');
    writeFileSync(file, 'mine');
    const video = makeVideo(path.join(work, 'in.mp4'), { width: 64, height: 48, fps: 5, seconds: 1 });
    const message = `dino-track: error: DINO_TRACK_CACHE=${file} is not a folder; point it at a folder (or unset it)\n`;
    const runs = [
      // A raw ENOTDIR from mkdir '<file>/prepared'.
      [video, '-o', path.join(work, 'out'), '--model', models.tiny, '--device', 'cpu'],
      ['batch', video, '-o', path.join(work, 'batch-out'), '--model', models.tiny],
      // "removed 0 prepared models ... from <file>/prepared", rc 0.
      ['models', 'clean'],
      ['models', 'list'],
    ];
    for (const args of runs) {
      const { code, stderr } = await runCli(args, { env: { DINO_TRACK_CACHE: file } });
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.equal(stderr, message);
    }
    assert.deepEqual(readdirSync(work).sort(), ['cache-file', 'in.mp4']);
    assert.equal(readFileSync(file, 'utf8'), 'mine');
    // Under a file, too (ENOTDIR on stat): as much not a folder.
    const below = await runCli(['models', 'clean'], { env: { DINO_TRACK_CACHE: path.join(file, 'sub') } });
    assert.equal(below.code, 2, below.stderr);
    assert.match(below.stderr, /^dino-track: error: DINO_TRACK_CACHE=.*cache-file\/sub is not a folder; point it at a folder \(or unset it\)\n$/);
  });

  it('info reports what preparation finds', async () => {
    const { code, stdout } = await runCli(['models', 'info', models.confP8, '--json']);
    assert.equal(code, 0);
    const info = JSON.parse(stdout);
    assert.equal(info.patchSize, 8);
    assert.equal(info.dim, 96);
    assert.equal(info.inputName, 'pixel_values');
    assert.equal(info.prepared, false);
  });

  it('info prints a prepared model\'s input width first, labelled, and no 0x0 trained grid', async () => {
    const { code, stdout } = await runCli(['models', 'info', models.tinyPrepared]);
    assert.equal(code, 0);
    assert.match(stdout, /^input: .* \(128x96 WxH\)$/m);
    assert.match(stdout, /^trained grid: none \(resized for its input when it was prepared\)$/m);
  });

  it('info names the precision of each Hugging Face layout', async () => {
    for (const layout of hfLayouts) {
      const { code, stdout, stderr } = await runCli(['models', 'info', layout.file, '--json']);
      assert.equal(code, 0, stderr);
      assert.equal(JSON.parse(stdout).precision, layout.precision, layout.model);
    }
  });

  it('info says each layout\'s precision in words: 4-bit weight products (q4, q4f16) as well as fp32, fp16 and int8', async () => {
    // A first-time user's trial: transformers.js' model_q4.onnx was called "fp32", its MatMulNBits weights unsaid.
    const quantized = path.join(dir, 'tiny-quantized.onnx');
    assert.equal((await runCli(['models', 'quantize', models.tiny, '-o', quantized])).code, 0);
    const lines = [
      [models.hfEager, 'fp32', 'precision: fp32 (position embeddings float)'],
      [models.hfFp16, 'fp16', 'precision: fp16 (position embeddings float16)'],
      [models.hfInt8, 'int8', 'precision: int8 (position embeddings float)'],
      [quantized, 'int8', 'precision: int8 (position embeddings float)'],
      [models.hfQ4, 'q4', 'precision: q4 (4-bit weight products: MatMulNBits; position embeddings float)'],
      [models.hfQ4f16, 'q4f16', 'precision: q4f16 (4-bit weight products: MatMulNBits, float16 elsewhere; position embeddings float16)'],
    ];
    for (const [file, precision, line] of lines) {
      const text = await runCli(['models', 'info', file]);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout.split('\n').find((l) => l.startsWith('precision:')), line, file);
      assert.equal(JSON.parse((await runCli(['models', 'info', file, '--json'])).stdout).precision, precision, file);
    }
  });

  it('prepare refuses a size past 8K at once, exit 2, writing nothing', async () => {
    // A second trial: --size 99984x99984 held 22 GB for 170 s, ignored SIGTERM, then failed with "Invalid typed array length".
    const out = path.join(dir, 'huge.onnx');
    const started = Date.now();
    const { code, stderr } = await runCli(['models', 'prepare', models.confP16, '--size', '99984x99984', '-o', out]);
    assert.equal(code, 2, stderr);
    assert.equal(stderr, 'dino-track: error: Expected a height and width of at most 8192 pixels (8K video is 4320x7680) for --size (HEIGHTxWIDTH, height first) but received "99984x99984"\n');
    assert.equal(existsSync(out), false);
    assert.ok(Date.now() - started < 60_000);
  });

  it('prepare says --size is height first, with both readings of a size off the patch grid', async () => {
    // A second trial gave a 480x270 video's WxH, took the suggested 480x272, and got a portrait model.
    const { code, stderr } = await runCli(['models', 'prepare', models.confP16, '--size', '480x270', '-o', path.join(dir, 'wxh.onnx')]);
    assert.equal(code, 2, stderr);
    assert.equal(stderr, 'dino-track: error: Expected a height and width that are multiples of the patch size 16 for --size (HEIGHTxWIDTH, height first) but received "480x270"; e.g. 480x272 (height 480, width 272), or 272x480 for a video 480 px wide\n');
  });

  it('prepare writes a model that reproduces PyTorch at the new size', async () => {
    const reference = references.find((r) => r.model === 'confP16' && r.size === '208x144');
    const out = path.join(dir, 'p.onnx');
    const { code, stderr } = await runCli(['models', 'prepare', models.confP16, '--size', '208x144', '-o', out]);
    assert.equal(code, 0, stderr);
    const session = await openSession(readFileSync(out), { device: 'cpu' });
    const expected = await SafetensorsFile.open(reference.file);
    const result = await session.run(await expected.readTensor('input'), 2, 208, 144);
    const attention = await expected.readTensor('cls_attn');
    let worst = 0;
    for (let i = 0; i < attention.length; i++) worst = Math.max(worst, Math.abs(attention[i] - result.clsAttention[i]));
    assert.ok(worst <= 1e-4, `max error ${worst}`);
    await expected.close();
    await session.release();
  });

  for (const [name, content, message] of [
    ['corrupt.onnx', 'definitely not protobuf \u0000\u0001\u0002', /corrupt.onnx is not (a readable ONNX model|an ONNX model)/],
    ['empty.onnx', '', /empty.onnx is not an ONNX model/],
  ]) {
    it(`prepare refuses ${name} with one line, exit 1, and writes nothing`, async () => {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      const out = path.join(dir, `${name}.out.onnx`);
      const { code, stderr } = await runCli(['models', 'prepare', file, '--size', '96x96', '-o', out]);
      assert.equal(code, 1);
      assert.equal(stderr.trim().split('\n').length, 1);
      assert.match(stderr, message);
      assert.equal(existsSync(out), false);
    });
  }

  it('prepare refuses a model with fields newer than ONNX IR 8 with one line, exit 1, and writes nothing', async () => {
    const model = decodeModel(readFileSync(models.confP16), 'm.onnx');
    model.irVersion = 11;
    const file = path.join(dir, 'ir11.onnx');
    writeFileSync(file, withNewerField(encodeModel(model)));
    const out = path.join(dir, 'ir11.out.onnx');
    const { code, stderr } = await runCli(['models', 'prepare', file, '--size', '96x96', '-o', out]);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /ir11.onnx uses ONNX IR version 11; dino-track reads up to 8 and would drop 1 newer field; re-export with opset ≤ 18/);
    assert.equal(existsSync(out), false);
  });

  it('prepare refuses an ONNX graph that is not a ViT, saying what is missing', async () => {
    // The prepared fixture's graph minus its Softmax ops: a graph with no attention.
    const { decodeModel, encodeModel } = await import('../../dist/model/index.js');
    const model = decodeModel(readFileSync(models.tiny), 'x');
    model.graph.node = model.graph.node.filter((n) => n.opType !== 'Conv');
    const file = path.join(dir, 'no-conv.onnx');
    writeFileSync(file, encodeModel(model));
    const { code, stderr } = await runCli(['models', 'prepare', file, '--size', '96x96', '-o', path.join(dir, 'nc.onnx')]);
    assert.equal(code, 1);
    assert.match(stderr, /does not look like a DINO ViT: no patch-embedding convolution after the input/);
  });

  // Each was called ready by info, or refused only for a missing position embedding (a first-time user's trial).
  const refusedModels = [
    {
      name: 'a classifier (ViTForImageClassification)',
      write: (file) => writeFileSync(file, encodeModel(addClassifierHead(decodeModel(readFileSync(models.tiny), file)))),
      line: (file) => `${file} does not look like a DINO ViT: its output comes out of a Gemm after the tokens, as a classification or projection head's does; export the ViT without its head (transformers' ViTModel, whose output is last_hidden_state); give a DINO ViT ONNX model (see \`dino-track models list\`)`,
    },
    {
      name: 'a statically quantized QDQ graph',
      write: (file) => copyFileSync(models.hfQdq, file),
      line: (file) => `${file} is a statically quantized (QDQ) graph, with QuantizeLinear/DequantizeLinear pairs of fixed scales, which dino-track does not prepare; give the float model it was quantized from, and for int8 run \`dino-track models quantize\` on that`,
    },
    {
      name: 'a DINOv2 export',
      write: (file) => copyFileSync(models.dinov2, file),
      line: (file) => `${file} looks like a DINOv2 export (patch size 14, its position embeddings [1, 256, 48] resized inside the graph by a Resize); dino-track takes DINO (v1) ViTs: pick one from \`dino-track models list\``,
    },
  ];
  for (const { name, write, line } of refusedModels) {
    it(`info, prepare, quantize and track refuse ${name} with the same line, exit 1, writing nothing`, async () => {
      const file = path.join(dir, `${name.replace(/\W+/g, '-')}.onnx`);
      write(file);
      const out = path.join(dir, 'refused-out.onnx');
      const video = makeVideo(path.join(dir, 'refused.mp4'), { seconds: 1 });
      const overlay = path.join(dir, 'refused-out.mp4');
      const runs = [
        ['models', 'info', file], ['models', 'prepare', file, '--size', '96x128', '-o', out], ['models', 'quantize', file, '-o', out],
        [video, '-o', overlay, '--model', file, '--progress', 'none'],
      ];
      for (const args of runs) {
        const { code, stdout, stderr } = await runCli(args, { env: { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') } });
        assert.equal(code, 1, `${args[1]}: ${stderr}`);
        assert.equal(stdout, '', args[1]);
        assert.equal(stderr, `dino-track: error: ${line(file)}\n`, args[1]);
        assert.equal(existsSync(out) || existsSync(overlay), false, args[1]);
      }
    });
  }

  it('info, prepare and quantize say what to give for a PyTorch checkpoint or a Hugging Face snapshot folder, as track does', async () => {
    // A second trial: these said "check the file or download it again" for a .pth, and "(EISDIR)" for a folder.
    const checkpoint = path.join(dir, 'dino_deitsmall16_pretrain.pth');
    writeFileSync(checkpoint, 'PK\u0003\u0004 not onnx');
    const snapshot = makeTempDir();
    mkdirSync(path.join(snapshot, 'onnx'));
    copyFileSync(models.tiny, path.join(snapshot, 'onnx', 'model.onnx'));
    const out = path.join(dir, 'kind-out.onnx');
    for (const [file, line] of [
      [checkpoint, `model ${checkpoint} is a PyTorch checkpoint, not an ONNX model; export it with models/export_dino.py (it needs PyTorch), then give the .onnx it writes`],
      [snapshot, `model ${snapshot} is a folder; give the .onnx file in it (${path.join(snapshot, 'onnx', 'model.onnx')})`],
    ]) {
      for (const args of [['models', 'info', file], ['models', 'prepare', file, '--size', '96x128', '-o', out], ['models', 'quantize', file, '-o', out]]) {
        const { code, stderr } = await runCli(args);
        assert.equal(code, 1, stderr);
        assert.equal(stderr, `dino-track: error: ${line}\n`, args[1]);
        assert.equal(existsSync(out), false);
      }
    }
  });

  it('track with a valid ONNX graph that has no attention fails with one line naming what is missing', async () => {
    const file = path.join(dir, 'no-attention.onnx');
    writeFileSync(file, await buildPatchEmbeddingOnly());
    // A valid graph: onnxruntime loads it. Only its structure is not a ViT's.
    const ort = (await import('onnxruntime-node')).default;
    await (await ort.InferenceSession.create(readFileSync(file))).release();
    const { makeVideo } = await import('../fixtures.js');
    const video = makeVideo(path.join(dir, 'v.mp4'), { seconds: 1 });
    const out = path.join(dir, 'v-out.mp4');
    const { code, stderr } = await runCli([video, '-o', out, '--model', file, '--progress', 'none'], { env: { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') } });
    assert.equal(code, 1);
    assert.equal(stderr, `dino-track: error: ${file} does not look like a DINO ViT: no attention Softmax feeding a MatMul; give a DINO ViT ONNX model (see \`dino-track models list\`)\n`);
    assert.equal(existsSync(out), false);
  });
});

/**
 * The front of a ViT and nothing else: patch Conv (16x16) → tokens → CLS prepended →
 * position embeddings added → CLS token out. Every check before attention passes.
 */
async function buildPatchEmbeddingOnly() {
  const { onnx, encodeModel } = await import('../../dist/model/onnx-graph.js');
  const float = onnx.TensorProto.DataType.FLOAT;
  const tensor = (name, dims, values) => ({ name, dims, dataType: float, floatData: values ?? Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)) });
  const ints = (name, values) => ({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
  const info = (name, dims) => ({ name, type: { tensorType: { elemType: float, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } });
  const attribute = (name, values) => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: values });
  return encodeModel(onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'patch_embedding_only',
      node: [
        { opType: 'Conv', input: ['pixel_values', 'weight'], output: ['patches'], attribute: [attribute('kernel_shape', [16, 16]), attribute('strides', [16, 16])] }, // [1, 4, 2, 2]
        { opType: 'Reshape', input: ['patches', 'shape'], output: ['flat'] }, // [1, 4, 4]: D x N
        { opType: 'Transpose', input: ['flat'], output: ['tokens'], attribute: [attribute('perm', [0, 2, 1])] }, // [1, N, D]
        { opType: 'Concat', input: ['cls', 'tokens'], output: ['sequence'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }, // [1, 1 + N, D]
        { opType: 'Add', input: ['sequence', 'positions'], output: ['embedded'] },
        { opType: 'Gather', input: ['embedded', 'first'], output: ['cls_token'], attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }, // [1, D]
      ],
      initializer: [tensor('weight', [4, 3, 16, 16]), ints('shape', [1, 4, 4]), tensor('cls', [1, 1, 4]), tensor('positions', [1, 5, 4]), ints('first', [0])],
      input: [info('pixel_values', [1, 3, 32, 32])],
      output: [info('cls_token', [1, 1, 4])],
    },
  }));
}

describe('a model cache that cannot be written', () => {
  // One prepared model already cached, for `models clean` to fail on.
  const readOnly = makeReadOnlyDir((cache) => {
    mkdirSync(path.join(cache, 'prepared'));
    writeFileSync(path.join(cache, 'prepared', '0123abcd-prep3-96x128.onnx'), 'prepared');
  });
  after(readOnly.restore);
  const { skip } = readOnly;
  // Offline too: what is wrong with the cache is said before any download is tried.
  const env = { DINO_TRACK_CACHE: readOnly.dir };
  before(async () => (env.DINO_TRACK_MODEL_BASE_URL = await getClosedUrl()));
  const notWritable = `the model cache ${readOnly.dir} is not writable \\((EROFS|EACCES)\\)`;
  const fix = 'set DINO_TRACK_CACHE to a writable folder or fix its permissions';

  it('track --model FILE runs with the model prepared in memory, and says the cache cannot keep it', { skip }, async () => {
    const work = makeTempDir();
    const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 5, seconds: 1 });
    const { code, stderr } = await runCli([video, '-o', path.join(work, 'out'), '--format', 'ndjson', '--model', models.tiny, '--short-side', '64', '--device', 'cpu'], { env });
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`^dino-track: ${notWritable}: the prepared model is used from memory and prepared again on every run; ${fix} to keep it$`, 'm'));
    assert.ok(existsSync(path.join(work, 'out', 'tracks.ndjson')));
  });

  for (const [command, args] of [['models pull', ['models', 'pull', 'dino-vits16']], ['models clean', ['models', 'clean']]]) {
    it(`${command}: one line naming the cache and the fix, exit 1`, { skip }, async () => {
      const { code, stderr } = await runCli(args, { env });
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`^dino-track: error: ${notWritable}; ${fix}\\n$`));
    });
  }
});
