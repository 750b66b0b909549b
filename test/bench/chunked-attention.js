// Not in the product: the fused attentions of a `models quantize` graph replaced by int8
// attention on chunks of queries (so each chunk's [heads, rows, N] scores stay in cache),
// timed against fp32 and the fused default, interleaved, with cls_attn and token cosines.
// `dql`: each chunk's softmax through DynamicQuantizeLinear; `rownorm`: each softmax row
// divided by its maximum, quantized with scale 1/255, multiplied back after × V.
//
//   npm run build && node test/bench/chunked-attention.js                       # /tmp/q-vits, 480x848
//   MODEL=fixtures/models/tiny-p16.onnx SIZE=96x128 ROUNDS=1 node test/bench/chunked-attention.js
//   env: MODEL, SIZE (HxW), CHUNKS (13), THREADS (1), ROUNDS (5), MODES (fp32,mha,dql,rownorm)
import { readFileSync } from 'node:fs';
import { decodeModel, encodeModel, openSession, prepareModel_, quantizeModel_ } from '../../dist/model/index.js';
import { onnx, makeInt64Tensor } from '../../dist/model/onnx-graph.js';
import { getJaccard } from '../../dist/eval/index.js';
import { averageHeads, thresholdMass } from '../../dist/track/attention-mask.js';
import { cosine } from '../compare.js';
import { makeSmoothInput, median, timeInterleaved } from './measure.js';
const [height, width] = (process.env.SIZE ?? '480x848').split('x').map(Number);
const C = Number(process.env.CHUNKS ?? 13);
const threads = Number(process.env.THREADS ?? 1);
const A = onnx.AttributeProto.AttributeType;
const node = (opType, input, output, attrs = {}, domain = '') => onnx.NodeProto.create({ opType, input, output, domain, name: output[0] + '/n', attribute: Object.entries(attrs).map(([name, v]) => onnx.AttributeProto.create(Array.isArray(v) ? { name, type: A.INTS, ints: v } : Number.isInteger(v) ? { name, type: A.INT, i: v } : { name, type: A.FLOAT, f: v })) });
const f32 = (name, v) => onnx.TensorProto.create({ name, dataType: 1, dims: [], floatData: [v] });
const u8 = (name, dt) => onnx.TensorProto.create({ name, dataType: dt, dims: [], rawData: new Uint8Array(1) });
function chunk(model, mode) {
  const g = model.graph;
  const h = Number(g.node.find((n) => n.opType === 'MultiHeadAttention').attribute.find((a) => a.name === 'num_heads').i);
  g.initializer.push(makeInt64Tensor('x/heads', [0, 0, h, -1], [4]), makeInt64Tensor('x/merged', [0, 0, -1], [3]), makeInt64Tensor('x/two', [2], []), makeInt64Tensor('x/C', [C], []), makeInt64Tensor('x/ax2', [2], [1]), makeInt64Tensor('x/zero1', [0], [1]), f32('x/127', 127), f32('x/inv255', 1 / 255), u8('x/i8zero', 3), u8('x/u8zero', 2));
  for (let i = 0; i <= C; i++) g.initializer.push(makeInt64Tensor(`x/i${i}`, [i], []));
  const out = [];
  let k = 0;
  for (const n of g.node) {
    if (n.opType !== 'MultiHeadAttention') { out.push(n); continue; }
    const p = `x/${k++}`;
    const c = n.attribute.find((a) => a.name === 'scale').f;
    g.initializer.push(f32(`${p}/c`, c));
    const [q, kk, v] = n.input;
    out.push(
      node('Reshape', [q, 'x/heads'], [`${p}/q4`]), node('Transpose', [`${p}/q4`], [`${p}/qh`], { perm: [0, 2, 1, 3] }),
      node('Reshape', [kk, 'x/heads'], [`${p}/k4`]), node('Transpose', [`${p}/k4`], [`${p}/kt`], { perm: [0, 2, 3, 1] }),
      node('Reshape', [v, 'x/heads'], [`${p}/v4`]), node('Transpose', [`${p}/v4`], [`${p}/vh`], { perm: [0, 2, 1, 3] }),
      node('Abs', [`${p}/kt`], [`${p}/ka`]), node('ReduceMax', [`${p}/ka`], [`${p}/km`], { keepdims: 0 }), node('Div', [`${p}/km`, 'x/127'], [`${p}/ks`]),
      node('QuantizeLinear', [`${p}/kt`, `${p}/ks`, 'x/i8zero'], [`${p}/kq`]), node('Mul', [`${p}/ks`, `${p}/c`], [`${p}/ksc`]),
      node('Abs', [`${p}/vh`], [`${p}/va`]), node('ReduceMax', [`${p}/va`], [`${p}/vm`], { keepdims: 0 }), node('Div', [`${p}/vm`, 'x/127'], [`${p}/vs`]),
      node('QuantizeLinear', [`${p}/vh`, `${p}/vs`, 'x/i8zero'], [`${p}/vq`]),
      node('Shape', [`${p}/qh`], [`${p}/shape`]), node('Gather', [`${p}/shape`, 'x/two'], [`${p}/n`], { axis: 0 }),
    );
    const parts = [];
    for (let i = 0; i < C; i++) {
      const b = `${p}/c${i}`;
      out.push(
        node('Mul', [`${p}/n`, `x/i${i}`], [`${b}/ns`]), node('Div', [`${b}/ns`, 'x/C'], [`${b}/s0`]), node('Unsqueeze', [`${b}/s0`, 'x/zero1'], [`${b}/start`]),
        node('Mul', [`${p}/n`, `x/i${i + 1}`], [`${b}/ne`]), node('Div', [`${b}/ne`, 'x/C'], [`${b}/e0`]), node('Unsqueeze', [`${b}/e0`, 'x/zero1'], [`${b}/end`]),
        node('Slice', [`${p}/qh`, `${b}/start`, `${b}/end`, 'x/ax2'], [`${b}/q`]),
        node('DynamicQuantizeLinear', [`${b}/q`], [`${b}/qq`, `${b}/qs`, `${b}/qz`]),
        node('MatMulIntegerToFloat', [`${b}/qq`, `${p}/kq`, `${b}/qs`, `${p}/ksc`, `${b}/qz`, 'x/i8zero'], [`${b}/s`], {}, 'com.microsoft'),
        node('Softmax', [`${b}/s`], [`${b}/p`], { axis: -1 }),
      );
      if (mode === 'rownorm') {
        out.push(
          node('ReduceMax', [`${b}/p`], [`${b}/pm`], { axes: [-1], keepdims: 1 }), node('Div', [`${b}/p`, `${b}/pm`], [`${b}/pn`]),
          node('QuantizeLinear', [`${b}/pn`, 'x/inv255', 'x/u8zero'], [`${b}/pq`]),
          node('MatMulIntegerToFloat', [`${b}/pq`, `${p}/vq`, 'x/inv255', `${p}/vs`, 'x/u8zero', 'x/i8zero'], [`${b}/o0`], {}, 'com.microsoft'),
          node('Mul', [`${b}/o0`, `${b}/pm`], [`${b}/o`]),
        );
      } else {
        out.push(
          node('DynamicQuantizeLinear', [`${b}/p`], [`${b}/pq`, `${b}/ps`, `${b}/pz`]),
          node('MatMulIntegerToFloat', [`${b}/pq`, `${p}/vq`, `${b}/ps`, `${p}/vs`, `${b}/pz`, 'x/i8zero'], [`${b}/o`], {}, 'com.microsoft'),
        );
      }
      parts.push(`${b}/o`);
    }
    out.push(node('Concat', parts, [`${p}/o`], { axis: 2 }), node('Transpose', [`${p}/o`], [`${p}/ot`], { perm: [0, 2, 1, 3] }), node('Reshape', [`${p}/ot`, 'x/merged'], [n.output[0]]));
  }
  g.node = out;
  return model;
}
const src = readFileSync(process.env.MODEL ?? '/tmp/q-vits/model.onnx');
const make = (mode) => { const m = decodeModel(src, 'm'); if (mode !== 'fp32') quantizeModel_(m, 'm'); if (mode === 'dql' || mode === 'rownorm') chunk(m, mode); return m; };
const sessions = {};
for (const mode of (process.env.MODES ?? 'fp32,mha,dql,rownorm').split(',')) sessions[mode] = await openSession(encodeModel(prepareModel_(make(mode), 'm', height, width)), { device: 'cpu', threads });
const input = makeSmoothInput(width, height);
const { outputs, times, cpuTimes } = await timeInterleaved(sessions, input, Number(process.env.ROUNDS ?? 5), height, width);
const maskOf = (o) => thresholdMass(averageHeads(o.clsAttention, o.heads), 0.6);
for (const name of Object.keys(sessions)) {
  const o = outputs[name], r = outputs.fp32;
  console.log(`${name.padEnd(8)} CPU ${median(cpuTimes[name]).toFixed(0)} ms (${(median(cpuTimes.fp32) / median(cpuTimes[name])).toFixed(2)}x) wall ${median(times[name]).toFixed(0)}; cls cos ${cosine(o.clsAttention, r.clsAttention).toFixed(5)} tokens cos ${cosine(o.patchTokens, r.patchTokens).toFixed(5)} mask IoU ${getJaccard(maskOf(o), maskOf(r)).toFixed(3)}`);
}
