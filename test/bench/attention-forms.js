// One ViT-S/16 attention at 480x848 ([1, 1591, 384], 6 heads of 64) in the graph forms
// `models quantize` could write, timed alone, interleaved (CPU ms per call, median over
// rounds), with the largest difference from MatMul → Softmax → MatMul. Also the q, k and v
// int8 products of one block as three [384, 384] products against one [384, 1152].
//
//   npm run build && node test/bench/attention-forms.js --threads 1 --rounds 5
//   ORT_DISABLE_FLASH_ATTENTION=1 node test/bench/attention-forms.js   # MultiHeadAttention without its flash path
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { encodeModel, onnx } from '../../dist/model/onnx-graph.js';
import { quantizeGraph_ } from '../../dist/model/index.js';
import { median } from './measure.js';

const { values: args } = parseArgs({ options: { threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '5' } } });
const [tokens, heads, headDim] = [1591, 6, 64];
const width = heads * headDim;
const { INT, INTS, FLOAT } = onnx.AttributeProto.AttributeType;

const info = (name, dims) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((dimValue) => ({ dimValue })) } } } });
const attribute = (name, value) => (Array.isArray(value) ? { name, type: INTS, ints: value } : Number.isInteger(value) ? { name, type: INT, i: value } : { name, type: FLOAT, f: value });
const node = (opType, input, output, attributes = {}, domain = '') => onnx.NodeProto.create({ opType, input, output, domain, attribute: Object.entries(attributes).map(([k, v]) => onnx.AttributeProto.create(attribute(k, v))) });
const ints = (name, values) => onnx.TensorProto.create({ name, dataType: 7, dims: [values.length], int64Data: values });
const floats = (name, dims, at) => onnx.TensorProto.create({ name, dataType: 1, dims, floatData: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => at(i)) });

function makeModel(nodes, inputs, outputs, initializer = [], opset = 17) {
  const graph = onnx.GraphProto.create({ name: 'bench', node: nodes, input: inputs, output: outputs, initializer });
  return onnx.ModelProto.create({ irVersion: 10, opsetImport: [{ version: opset }, { domain: 'com.microsoft', version: 1 }], graph });
}

const qkv = [info('q', [1, tokens, width]), info('k', [1, tokens, width]), info('v', [1, tokens, width])];
const out = [info('y', [1, tokens, width])];
const splitHeads = [
  node('Reshape', ['q', 'heads'], ['q4']), node('Transpose', ['q4'], ['qh'], { perm: [0, 2, 1, 3] }),
  node('Reshape', ['k', 'heads'], ['k4']), node('Transpose', ['k4'], ['kt'], { perm: [0, 2, 3, 1] }),
  node('Reshape', ['v', 'heads'], ['v4']), node('Transpose', ['v4'], ['vh'], { perm: [0, 2, 1, 3] }),
];
const shapes = (chunks) => [ints('heads', [1, tokens, heads, headDim]), ints('merged', [1, tokens, width]), floats('scale', [], () => headDim ** -0.5), ...(chunks ? [ints('chunks', chunks)] : [])];

/** Q Kᵀ → Softmax → × V, on all queries at once or on `count` chunks of queries. */
function separateNodes(count) {
  const size = Math.ceil(tokens / count);
  const chunks = Array.from({ length: count }, (_, i) => Math.min(size, tokens - i * size));
  const names = chunks.map((_, i) => `${i}`);
  const nodes = [...splitHeads, ...(count > 1 ? [node('Split', ['qh', 'chunks'], names.map((i) => `qh${i}`), { axis: 2 })] : [])];
  for (const i of names) {
    const query = count > 1 ? `qh${i}` : 'qh';
    nodes.push(node('MatMul', [query, 'kt'], [`raw${i}`]), node('Mul', [`raw${i}`, 'scale'], [`scores${i}`]), node('Softmax', [`scores${i}`], [`p${i}`], { axis: -1 }), node('MatMul', [`p${i}`, 'vh'], [`o${i}`]));
  }
  if (count > 1) nodes.push(node('Concat', names.map((i) => `o${i}`), ['o0x'], { axis: 2 }));
  nodes.push(node('Transpose', [count > 1 ? 'o0x' : 'o0'], ['ot'], { perm: [0, 2, 1, 3] }), node('Reshape', ['ot', 'merged'], ['y']));
  return makeModel(nodes, qkv, out, shapes(count > 1 ? chunks : undefined));
}

function quantized(model, attention) {
  quantizeGraph_(model, { form: 'fused', attention, perChannel: true, rightOperand: 'int8', fuseAttention: false });
  return model;
}

const attentionForms = {
  'MatMul, Softmax, MatMul': separateNodes(1),
  MultiHeadAttention: makeModel([node('MultiHeadAttention', ['q', 'k', 'v'], ['y'], { num_heads: heads, scale: headDim ** -0.5 }, 'com.microsoft')], qkv, out),
  'opset-23 Attention': makeModel([node('Attention', ['q', 'k', 'v'], ['y'], { q_num_heads: heads, kv_num_heads: heads, scale: headDim ** -0.5 })], qkv, out, [], 23),
  'QKᵀ and AV int8': quantized(separateNodes(1), ['scores', 'values']),
  '13 query chunks, QKᵀ and AV int8': quantized(separateNodes(13), ['scores', 'values']),
  '13 query chunks, QKᵀ int8': quantized(separateNodes(13), ['scores']),
};

const x = [info('x', [1, tokens, width])];
// The same [384, 384] weight and bias for q, k and v, so that both forms compute the same.
const weight = (i) => Math.sin(i * 1.3) * 0.05;
const productForms = {
  'q, k, v apart': quantized(makeModel(['q', 'k', 'v'].flatMap((n) => [node('MatMul', ['x', `w${n}`], [`p${n}`]), node('Add', [`p${n}`, `b${n}`], [n])]), x, qkv, ['q', 'k', 'v'].flatMap((n) => [floats(`w${n}`, [width, width], weight), floats(`b${n}`, [width], weight)])), []),
  'q, k, v as one product': quantized(makeModel([node('MatMul', ['x', 'w'], ['p']), node('Add', ['p', 'b'], ['s']), node('Split', ['s'], ['q', 'k', 'v'], { axis: -1 })], x, qkv, [floats('w', [width, 3 * width], (i) => weight(Math.floor(i / (3 * width)) * width + (i % width))), floats('b', [3 * width], (i) => weight(i % width))]), []),
};

const tensor = (seed) => new ort.Tensor('float32', Float32Array.from({ length: tokens * width }, (_, i) => Math.sin(i * 0.37 + seed) * 2), [1, tokens, width]);

async function compare(title, forms, feeds, reference) {
  const sessions = {};
  for (const [name, model] of Object.entries(forms)) {
    sessions[name] = await ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: Number(args.threads), graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } } });
  }
  const outputs = {};
  const times = {};
  for (const [name, session] of Object.entries(sessions)) {
    outputs[name] = (await session.run(feeds))[session.outputNames[0]].data;
    times[name] = [];
  }
  for (let round = 0; round < Number(args.rounds); round++) {
    for (const [name, session] of Object.entries(sessions)) {
      const started = process.cpuUsage();
      await session.run(feeds);
      const cpu = process.cpuUsage(started);
      times[name].push((cpu.user + cpu.system) / 1000);
    }
  }
  console.log(`${title}, threads ${args.threads}, ${args.rounds} interleaved rounds`);
  for (const name of Object.keys(sessions)) {
    let worst = 0;
    for (let i = 0; i < outputs[name].length; i++) worst = Math.max(worst, Math.abs(outputs[name][i] - outputs[reference][i]));
    console.log(`  ${name.padEnd(36)} CPU ${median(times[name]).toFixed(1).padStart(6)} ms/call; largest difference from ${reference} ${worst.toExponential(1)}`);
  }
  for (const session of Object.values(sessions)) await session.release();
}

await compare('one attention', attentionForms, { q: tensor(1), k: tensor(2), v: tensor(3) }, 'MatMul, Softmax, MatMul');
await compare('q, k and v int8 products of one block', productForms, { x: tensor(4) }, 'q, k, v apart');
