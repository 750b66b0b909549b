import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openFeatureCache, SafetensorsFile } from '../../dist/features/index.js';
import { decodeModel, encodeModel, inspectModel, openSession, prepareModel_, quantizeModel_ } from '../../dist/model/index.js';
import { cosine, maxAbsError } from '../compare.js';
import { hfDynamoReference, hfLayouts, hfReferences, makeTempDir, makeVideo, models, probeStreams, runCli } from '../fixtures.js';

// fp32 must reproduce PyTorch (DESIGN, Models); int8 and fp16 change the weights, so they
// are held to the direction of the attention instead. int8 on this fixture measured cosine
// 0.99845 (80x112) and 0.99889 (112x64) against fp32, while matching what the int8 graph
// itself computes (onnxruntime in Python) within 1e-6: the gap is quantization, not
// preparation, so int8 gets its own bound and the exactness check below.
const fp32Tolerance = 1e-4;
const minimumCosine = { fp16: 0.999, int8: 0.998 };

async function runPrepared(file, reference) {
  const [height, width] = reference.size.split('x').map(Number);
  const model = prepareModel_(decodeModel(readFileSync(file), file), file, height, width);
  const session = await openSession(encodeModel(model), { device: 'cpu' });
  const expected = await SafetensorsFile.open(reference.file);
  try {
    const out = await session.run(await expected.readTensor('input'), 2, height, width); // input [2, 3, H, W]
    const read = (name) => expected.readTensor(name);
    return { out, clsAttention: await read('cls_attn'), patchTokens: await read('patch_tokens'), int8ClsAttention: await read('int8_cls_attn'), int8PatchTokens: await read('int8_patch_tokens') };
  } finally {
    await expected.close();
    await session.release();
  }
}

describe('Hugging Face layouts (fp32 eager and sdpa, int8, fp16) prepare and match PyTorch', () => {
  for (const layout of hfLayouts) {
    for (const reference of hfReferences) {
      const bound = layout.precision === 'fp32' ? `max abs error ≤ ${fp32Tolerance}` : `attention cosine ≥ ${minimumCosine[layout.precision]}`;
      it(`${layout.model} (${layout.precision}) at ${reference.size}: ${bound}`, async () => {
        const { out, clsAttention, patchTokens, int8ClsAttention, int8PatchTokens } = await runPrepared(layout.file, reference);
        assert.ok(out.clsAttention instanceof Float32Array && out.patchTokens instanceof Float32Array);
        if (layout.precision === 'fp32') {
          const attentionError = maxAbsError(out.clsAttention, clsAttention);
          const tokenError = maxAbsError(out.patchTokens, patchTokens);
          assert.ok(attentionError <= fp32Tolerance, `cls_attn max abs error ${attentionError}`);
          assert.ok(tokenError <= fp32Tolerance, `patch_tokens max abs error ${tokenError}`);
        } else {
          const similarity = cosine(out.clsAttention, clsAttention);
          assert.ok(similarity >= minimumCosine[layout.precision], `cls_attn cosine ${similarity}`);
        }
        if (layout.precision === 'int8') {
          // Same quantized graph, same size: preparation itself must add no error.
          assert.ok(maxAbsError(out.clsAttention, int8ClsAttention) <= fp32Tolerance, 'cls_attn differs from the int8 graph');
          assert.ok(maxAbsError(out.patchTokens, int8PatchTokens) <= fp32Tolerance, 'patch_tokens differ from the int8 graph');
        }
      });
    }
  }

  it('finds the attention Softmax through Identity and Dropout as well as Cast, and exposes the Softmax itself', async () => {
    const model = decodeModel(readFileSync(models.hfSdpa), 'sdpa');
    const nodes = model.graph.node;
    const softmax = nodes.findLast((n) => n.opType === 'Softmax');
    const probabilities = softmax.output[0];
    // Softmax → Identity → Dropout → (the attention MatMul)
    const consumer = nodes.find((n) => n.opType === 'MatMul' && n.input.includes(probabilities));
    consumer.input = consumer.input.map((name) => (name === probabilities ? 'test/dropped' : name));
    nodes.splice(nodes.indexOf(consumer), 0,
      { opType: 'Identity', input: [probabilities], output: ['test/identity'] },
      { opType: 'Dropout', input: ['test/identity'], output: ['test/dropped'] });
    const file = path.join(makeTempDir(), 'sdpa-dropout.onnx');
    writeFileSync(file, encodeModel(model));
    const { out, clsAttention } = await runPrepared(file, hfReferences[0]);
    assert.ok(maxAbsError(out.clsAttention, clsAttention) <= fp32Tolerance);
  });

  it('declares float32 outputs with shapes [batch, heads, h*w] and [batch, h*w, D] in every layout', () => {
    const float = 1;
    for (const layout of hfLayouts) {
      const model = prepareModel_(decodeModel(readFileSync(layout.file), layout.model), layout.model, 80, 112);
      const shapes = model.graph.output.map((o) => {
        assert.equal(o.type.tensorType.elemType, float, `${layout.model} ${o.name}`);
        return o.type.tensorType.shape.dim.map((d) => d.dimParam || Number(d.dimValue));
      });
      assert.deepEqual(shapes, [['batch_size', 'heads', 35], ['batch_size', 35, 48]], layout.model);
    }
  });
});

describe('a dynamo export (torch >= 2.9\'s default: IR 10, annotations on every node, a NaN guard after the softmax)', () => {
  it('prepares at its size and matches PyTorch', async () => {
    const bytes = readFileSync(models.hfDynamo);
    const model = decodeModel(bytes, 'dynamo');
    assert.equal(Number(model.irVersion), 10, 'the fixture is an IR 10 file');
    // What the file holds beyond our IR 8 schema is annotations (metadata_props), let go.
    const prepared = prepareModel_(model, 'dynamo', 224, 224);
    const session = await openSession(encodeModel(prepared), { device: 'cpu' });
    const expected = await SafetensorsFile.open(hfDynamoReference);
    try {
      const out = await session.run(await expected.readTensor('input'), 1, 224, 224);
      const attentionError = maxAbsError(out.clsAttention, await expected.readTensor('cls_attn'));
      const tokenError = maxAbsError(out.patchTokens, await expected.readTensor('patch_tokens'));
      assert.ok(attentionError <= fp32Tolerance, `cls_attn max abs error ${attentionError}`);
      assert.ok(tokenError <= fp32Tolerance, `patch_tokens max abs error ${tokenError}`);
    } finally {
      await expected.close();
      await session.release();
    }
  });

  it('still refuses a file with a newer field that is not an annotation', () => {
    // ModelProto field 30, unknown to IR 8 and not an annotation, appended to an IR 8 file
    // (a top-level field is bytes at the end): re-encoding would lose it, so prepare refuses.
    const bytes = Buffer.concat([readFileSync(models.hfSdpa), Buffer.from([0xf2, 0x01, 0x00])]);
    assert.throws(() => prepareModel_(decodeModel(bytes, 'newer.onnx'), 'newer.onnx', 80, 112), /^InputError: newer\.onnx uses ONNX IR version \d+; dino-track reads up to 8 and would drop 1 newer field;/);
  });
});

describe('track runs end to end on every Hugging Face layout (real CLI)', () => {
  const dir = makeTempDir();
  const cache = makeTempDir('dino-track-cache-');
  for (const layout of hfLayouts) {
    it(`${layout.model} (${layout.precision})`, async () => {
      const video = makeVideo(path.join(dir, `${layout.model}.mp4`), { width: 128, height: 96, fps: 5, seconds: 1 });
      const out = path.join(dir, `${layout.model}-out.mp4`);
      const { code, stderr } = await runCli([video, '-o', out, '--model', layout.file, '--short-side', '96', '--device', 'cpu', '--verbose'], { env: { DINO_TRACK_CACHE: cache } });
      assert.equal(code, 0, stderr);
      assert.match(stderr, /input 128x96 \(WxH; 8x6 patches\)/);
      assert.equal(probeStreams(out)[0].nb_read_frames, '5');
    });
  }
});

describe('an int8 model (DynamicQuantizeLinear: one activation scale per call) gives the same features whatever --batch (real CLI)', () => {
  it('knows which layouts scale per call: onnxruntime\'s int8 (both forms) and `models quantize`\'s, not fp32, fp16 or q4', () => {
    const flag = (file) => inspectModel(decodeModel(readFileSync(file), file), file).scalesPerCall;
    assert.deepEqual(Object.fromEntries(['hfSdpa', 'hfEager', 'hfFp16', 'hfQ4', 'hfInt8', 'hfInt8Fused'].map((name) => [name, flag(models[name])])),
      { hfSdpa: false, hfEager: false, hfFp16: false, hfQ4: false, hfInt8: true, hfInt8Fused: true });
    const ours = decodeModel(readFileSync(models.hfSdpa), 'sdpa');
    quantizeModel_(ours, 'sdpa');
    assert.equal(inspectModel(ours, 'ours').scalesPerCall, true);
  });

  it('model_quantized.onnx: --batch 4 saves the features --batch 1 does, bit for bit', async () => {
    // A second trial: masks and ids differed between --batch 1 and 4 (objects swapped at frame 18).
    const dir = makeTempDir();
    const cache = makeTempDir('dino-track-cache-');
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 5, seconds: 2 });
    const saved = {};
    for (const batch of ['1', '4']) {
      const features = path.join(dir, `batch-${batch}.safetensors`);
      const { code, stderr } = await runCli([video, '-o', path.join(dir, `out-${batch}`), '--format', 'davis', '--model', models.hfInt8, '--short-side', '96', '--device', 'cpu', '--batch', batch, '--save-features', features], { env: { DINO_TRACK_CACHE: cache } });
      assert.equal(code, 0, stderr);
      if (batch === '4') assert.match(stderr, /--batch 4: .*model_quantized\.onnx is an int8 model .* running one frame a call/);
      const file = await openFeatureCache(features);
      saved[batch] = [];
      for await (const frame of file.frames()) saved[batch].push([...frame.clsAttention, ...frame.patchTokens]);
      await file.close();
    }
    assert.equal(saved['1'].length, 10);
    saved['1'].forEach((values, frame) => assert.deepEqual(saved['4'][frame], values, `frame ${frame}`));
  });
});
