import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { onnx } from '../../dist/model/onnx-graph.js';
import { decodeModel, encodeModel, fuseAttention_, inspectModel, openSession, prepareModel_ } from '../../dist/model/index.js';
import { maxAbsError } from '../compare.js';
import { models } from '../fixtures.js';

// The fused graph computes the same attention in another order (a tiled, online softmax):
// measured ≤ 3.5e-6 on these fixtures, float32 rounding.
const tolerance = 1e-5;

function fused(name) {
  const model = decodeModel(readFileSync(models[name]), name);
  const opset = Number(model.opsetImport.find((o) => !o.domain).version);
  const summary = fuseAttention_(model.graph, opset);
  model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: 'com.microsoft', version: 1 }));
  return { model, summary };
}

async function run(model, name, batch, height, width) {
  const session = await openSession(encodeModel(prepareModel_(model, name, height, width)), { device: 'cpu' });
  const input = Float32Array.from({ length: batch * 3 * height * width }, (_, i) => Math.sin(i / 97) * 1.5);
  const outputs = await session.run(input, batch, height, width);
  await session.release();
  return outputs;
}

describe('attention fused into MultiHeadAttention', () => {
  // DINO's packed qkv (tiny, confP8: 12 heads, patch 8) and Hugging Face's separate q, k, v
  // with the scale after QKᵀ (eager) or split over Q and K (SDPA).
  const cases = [['tiny', 2], ['confP8', 2], ['hfEager', 2], ['hfSdpa', 2]];
  for (const [name, blocks] of cases) {
    it(`${name}: every attention fused, one CLS-row softmax left, outputs as before within ${tolerance} (batch 2, 96x128)`, async () => {
      const { model, summary } = fused(name);
      assert.equal(summary.fused, blocks);
      const ops = model.graph.node.map((n) => n.opType);
      assert.equal(ops.filter((op) => op === 'MultiHeadAttention').length, blocks);
      assert.equal(ops.filter((op) => op === 'Softmax').length, 1, 'the last attention\'s CLS row');
      assert.equal(inspectModel(model, name).precision, 'fp32');
      const reference = await run(decodeModel(readFileSync(models[name]), name), name, 2, 96, 128);
      const outputs = await run(model, name, 2, 96, 128);
      assert.equal(outputs.heads, reference.heads);
      assert.ok(maxAbsError(outputs.clsAttention, reference.clsAttention) <= tolerance, `cls_attn ${maxAbsError(outputs.clsAttention, reference.clsAttention)}`);
      assert.ok(maxAbsError(outputs.patchTokens, reference.patchTokens) <= tolerance, `patch_tokens ${maxAbsError(outputs.patchTokens, reference.patchTokens)}`);
    });
  }

  it('leaves a graph without a matching attention as it was', () => {
    const model = decodeModel(readFileSync(models.hfInt8Fused), 'fused');
    const before = model.graph.node.length;
    // onnxruntime's own optimized int8 file writes QKᵀ as a FusedMatMul: not matched, not touched.
    assert.equal(fuseAttention_(model.graph, 14).fused, 0);
    assert.equal(model.graph.node.length, before);
  });
});
