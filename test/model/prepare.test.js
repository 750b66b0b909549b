import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SafetensorsFile } from '../../dist/features/safetensors.js';
import { decodeModel, encodeModel, inspectModel, openSession, prepareModel_ } from '../../dist/model/index.js';
import { maxAbsError } from '../compare.js';
import { onnx } from '../../dist/model/onnx-graph.js';
import { addClassifierHead, makeTempDir, makeVideo, models, references, runCli, withNewerField } from '../fixtures.js';

const tolerance = 1e-4;

describe('model preparation matches PyTorch (conformance)', () => {
  for (const reference of references) {
    it(`${reference.model} at ${reference.size}: cls_attn and patch_tokens within ${tolerance}`, async () => {
      const [height, width] = reference.size.split('x').map(Number);
      const model = prepareModel_(decodeModel(readFileSync(models[reference.model]), reference.model), reference.model, height, width);
      const session = await openSession(encodeModel(model), { device: 'cpu' });
      const expected = await SafetensorsFile.open(reference.file);
      try {
        const input = await expected.readTensor('input'); // [2, 3, H, W]
        const out = await session.run(input, 2, height, width);
        assert.ok(maxAbsError(out.clsAttention, await expected.readTensor('cls_attn')) <= tolerance);
        assert.ok(maxAbsError(out.patchTokens, await expected.readTensor('patch_tokens')) <= tolerance);
      } finally {
        await expected.close();
        await session.release();
      }
    });
  }

  it('finds the structure without relying on node names', () => {
    const model = decodeModel(readFileSync(models.confP8), 'p8');
    for (const node of model.graph.node) node.name = `n${Math.random()}`;
    const structure = inspectModel(model, 'p8');
    assert.equal(structure.patchSize, 8);
    assert.equal(structure.dim, 96);
    assert.equal(structure.trainedGrid, 28);
    assert.equal(structure.inputName, 'pixel_values');
    assert.equal(structure.prepared, false);
  });

  it("reproduces DINO's +0.1 sample shift: resizing to the trained grid is not the identity", async () => {
    const { resizePositionEmbedding } = await import('../../dist/model/index.js');
    const side = 14;
    const dim = 2;
    const values = Float32Array.from({ length: side * side * dim }, (_, i) => Math.sin(i * 0.37));
    assert.equal(resizePositionEmbedding(values, side, dim, 6, 10).length, 6 * 10 * dim);
    const same = resizePositionEmbedding(values, side, dim, side, side);
    assert.ok(maxAbsError(same, values) > 1e-4, 'the +0.1 shift must move the samples');
  });
});

describe('model preparation: validation', () => {
  it('rejects a size that is not a multiple of the patch size', () => {
    const model = decodeModel(readFileSync(models.confP16), 'm.onnx');
    assert.throws(() => prepareModel_(model, 'm.onnx', 100, 160), /size 100x160 is not a multiple of the patch size 16/);
  });
  it('rejects bytes that are not ONNX', () => {
    assert.throws(() => decodeModel(Buffer.from('this is not a model at all'), 'junk.onnx'), /junk.onnx is not (a readable ONNX model|an ONNX model)/);
  });
  it('keeps a model of a newer ONNX IR version whole when it has no field our IR 8 schema lacks', () => {
    const model = decodeModel(readFileSync(models.confP16), 'm.onnx');
    model.irVersion = 10;
    const prepared = prepareModel_(decodeModel(encodeModel(model), 'ir10.onnx'), 'ir10.onnx', 96, 160);
    assert.equal(Number(decodeModel(encodeModel(prepared), 'p.onnx').irVersion), 10);
  });
  it('refuses, in one line, a model with fields newer than IR 8 (they would be dropped on re-encoding)', () => {
    const model = decodeModel(readFileSync(models.confP16), 'm.onnx');
    model.irVersion = 11;
    const crafted = decodeModel(withNewerField(encodeModel(model)), 'ir11.onnx');
    assert.throws(() => prepareModel_(crafted, 'ir11.onnx', 96, 160), {
      message: 'ir11.onnx uses ONNX IR version 11; dino-track reads up to 8 and would drop 1 newer field; re-export with opset ≤ 18 (torch.onnx.export(..., dynamo=False)) or use models/export_dino.py',
    });
  });
  it('a graph exported for one size only (its reshapes hold 197 tokens) is refused for another, and tracked at its own size', async () => {
    // torch.onnx.export without dynamic axes bakes 1 + 14x14 tokens into its reshapes. Prepared
    // for another size it was written, exit 0, and then failed inside onnxruntime.
    const model = decodeModel(readFileSync(models.tiny), 'tiny.onnx');
    const { graph } = model;
    const norm = graph.node.findIndex((node) => node.opType === 'LayerNormalization' || /norm/i.test(node.name ?? ''));
    const tokens = graph.node[norm].input[0];
    graph.initializer.push(onnx.TensorProto.create({ name: 'static/shape', dataType: onnx.TensorProto.DataType.INT64, dims: [3], int64Data: [1, 197, -1] }));
    graph.node.splice(norm, 0, onnx.NodeProto.create({ name: 'static/reshape', opType: 'Reshape', input: [tokens, 'static/shape'], output: ['static/tokens'] }));
    for (const node of graph.node.slice(norm + 1)) node.input = node.input.map((name) => (name === tokens ? 'static/tokens' : name));
    assert.equal(inspectModel(model, 'static.onnx').onlyAtInputSize, true);
    assert.equal(inspectModel(decodeModel(readFileSync(models.tiny), 'tiny.onnx'), 'tiny.onnx').onlyAtInputSize, false);
    assert.throws(() => prepareModel_(model, 'static.onnx', 96, 128), {
      message: "static.onnx was exported for 224x224 (WxH) input only, not 128x96; export it with dynamic height and width (torch.onnx.export(..., dynamic_axes={'pixel_values': {0: 'batch', 2: 'height', 3: 'width'}})) or with models/export_dino.py",
    });
    const folder = makeTempDir();
    const file = path.join(folder, 'static.onnx');
    writeFileSync(file, encodeModel(model));
    const video = makeVideo(path.join(folder, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });
    const result = await runCli([video, '-o', path.join(folder, 'out'), '--format', 'ndjson', '--model', file, '--progress', 'none'], { env: { DINO_TRACK_CACHE: path.join(folder, 'cache') } });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /static\.onnx was exported for 224x224 \(WxH\) input only: frames are scaled to that/);
  });
  it('names a classification head on the CLS token (ViTForImageClassification) and what to export instead', () => {
    // A first-time user's trial: "the output is not the CLS token of a normalised token sequence" left them guessing.
    const model = addClassifierHead(decodeModel(readFileSync(models.tiny), 'classifier.onnx'), 'MatMul');
    assert.throws(() => prepareModel_(model, 'classifier.onnx', 96, 128), /classifier\.onnx does not look like a DINO ViT: its output comes out of a MatMul after the tokens, as a classification or projection head's does; export the ViT without its head \(transformers' ViTModel, whose output is last_hidden_state\)/);
  });
  it('calls a graph DINOv2 only at patch size 14: a patch-16 one whose embeddings are resized inside the graph keeps the generic line', () => {
    const model = decodeModel(readFileSync(models.dinov2), 'resized.onnx');
    const conv = model.graph.node.find((node) => node.opType === 'Conv');
    for (const attribute of conv.attribute) if (attribute.name === 'kernel_shape' || attribute.name === 'strides') attribute.ints = [16, 16];
    assert.throws(() => inspectModel(model, 'resized.onnx'), {
      message: 'resized.onnx does not look like a DINO ViT: no position-embedding tensor of shape [1, 1 + n², D] added to the tokens; give a DINO ViT ONNX model (see `dino-track models list`)',
    });
    assert.throws(() => inspectModel(decodeModel(readFileSync(models.dinov2), 'v2.onnx'), 'v2.onnx'), /v2\.onnx looks like a DINOv2 export \(patch size 14, /);
  });
  it('prepares a graph with a fake-quant pair on one weight as before (its embeddings are float: not a static QDQ graph)', () => {
    // A review's case: the QDQ check refused any QuantizeLinear of fixed scale read by a
    // DequantizeLinear, so a graph that prepared and tracked before was refused.
    const model = decodeModel(readFileSync(models.tiny), 'fakequant.onnx');
    const { graph } = model;
    const matmul = graph.node.find((node) => node.opType === 'MatMul' && graph.initializer.some((t) => t.name === node.input[1]));
    const weight = matmul.input[1];
    graph.initializer.push(
      onnx.TensorProto.create({ name: 'fq/scale', dataType: onnx.TensorProto.DataType.FLOAT, dims: [], floatData: [0.01] }),
      onnx.TensorProto.create({ name: 'fq/zero', dataType: onnx.TensorProto.DataType.INT8, dims: [], int32Data: [0] }),
    );
    graph.node.unshift(
      onnx.NodeProto.create({ name: 'fq/q', opType: 'QuantizeLinear', input: [weight, 'fq/scale', 'fq/zero'], output: ['fq/int8'] }),
      onnx.NodeProto.create({ name: 'fq/dq', opType: 'DequantizeLinear', input: ['fq/int8', 'fq/scale', 'fq/zero'], output: ['fq/weight'] }),
    );
    matmul.input[1] = 'fq/weight';
    assert.doesNotThrow(() => prepareModel_(model, 'fakequant.onnx', 96, 128));
  });
  it('rejects an already prepared model', () => {
    const model = decodeModel(readFileSync(models.tinyPrepared), 'p.onnx');
    assert.throws(() => prepareModel_(model, 'p.onnx', 96, 128), /already prepared/);
  });
});
