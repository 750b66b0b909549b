// int8 graphs a CPU without VNNI runs wrongly: signed weights over 7 bits saturate its 16-bit pair sums.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { hasFullRangeSignedWeights, saturatesInt8Pairs } from '../../dist/model/int8-saturation.js';
import { decodeModel, quantizeModel_ } from '../../dist/model/index.js';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

/** The tiny fixture quantized by `models quantize`, its weights then scaled to the full signed range as the quantizer wrote them before. */
function quantizedTiny(fullRange) {
  const model = decodeModel(readFileSync(models.tiny), 'tiny');
  quantizeModel_(model, 'tiny');
  if (fullRange) {
    for (const tensor of model.graph.initializer.filter((t) => t.name.endsWith('/weight'))) {
      const values = new Int8Array(tensor.rawData.buffer, tensor.rawData.byteOffset, tensor.rawData.byteLength);
      for (let i = 0; i < values.length; i++) values[i] = Math.max(-127, Math.min(127, values[i] * 2));
    }
  }
  return model;
}

describe('int8 weights a CPU without VNNI saturates', () => {
  it('finds signed weights over 7 bits in the integer products, and none in models quantize\'s own', () => {
    assert.equal(hasFullRangeSignedWeights(quantizedTiny(false).graph), false);
    assert.equal(hasFullRangeSignedWeights(quantizedTiny(true).graph), true);
    // The downloaded layout's weights are unsigned (u8u8 kernels, which do not saturate).
    assert.equal(hasFullRangeSignedWeights(decodeModel(readFileSync(models.hfInt8), 'int8').graph), false);
    // onnxruntime's fused form keeps the weight as MatMulIntegerToFloat's B (a review: it was not looked at).
    const fused = { node: [{ opType: 'MatMulIntegerToFloat', input: ['a', 'w'] }], initializer: [{ name: 'w', dataType: 3, rawData: Uint8Array.from([1, 127, 200]) }] };
    assert.equal(hasFullRangeSignedWeights(fused), true);
  });

  it('reads VNNI from the CPU flags', () => {
    assert.equal(saturatesInt8Pairs('processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n'), true);
    assert.equal(saturatesInt8Pairs('flags\t\t: fpu avx2 avx512f avx512_vnni\n'), false);
    assert.equal(saturatesInt8Pairs('flags\t\t: fpu avx2 avx_vnni\n'), false);
    assert.equal(saturatesInt8Pairs('Features\t: fp asimd\n'), undefined);
  });

  it('track says so for such a model on such a CPU, and runs', { skip: saturatesInt8Pairs() !== true && 'this CPU has VNNI (or is not x86)' }, async () => {
    const dir = makeTempDir();
    const model = path.join(dir, 'full-range-int8.onnx');
    const { encodeModel } = await import('../../dist/model/index.js');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(model, encodeModel(quantizedTiny(true)));
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 5, seconds: 1 });
    const { code, stderr } = await runCli([video, '-o', path.join(dir, 'out'), '--format', 'davis', '--model', model, '--device', 'cpu'], { env: { DINO_TRACK_CACHE: dir } });
    assert.equal(code, 0, stderr);
    assert.match(stderr, /full-range-int8\.onnx has int8 weights over the full signed range, which this CPU's int8 kernels \(x86 without VNNI\) saturate/);
  });
});
