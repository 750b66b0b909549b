import { InputError } from '../errors.js';
import {
  assertNothingDropped, dropUnreadInitializers_, elementTypes, getDims, makeTensor, onnx, readFloats, toNumber,
  type GraphProto, type ModelProto, type NodeProto, type TensorProto,
} from './onnx-graph.js';
import { fuseAttention_ } from './fuse-attention.js';
import { findValueSource, indexGraph, type GraphIndex } from './graph-index.js';
import { inspectModel } from './prepare.js';

/**
 * How the matrix products are written (measured: defaultQuantizeOptions):
 * - `fused`: constant weights as com.microsoft DynamicQuantizeMatMul with the bias folded
 *   in; activation products as DynamicQuantizeLinear → com.microsoft MatMulIntegerToFloat.
 * - `integer`: the standard-ONNX form onnxruntime's own quantizer writes,
 *   DynamicQuantizeLinear → MatMulInteger → Cast → Mul (→ Add for the bias).
 */
export const quantizeForms = ['fused', 'integer'] as const;
export type QuantizeForm = (typeof quantizeForms)[number];

/** The attention's two products of activations: QKᵀ (`scores`) and softmax × V (`values`). */
export type AttentionProduct = 'scores' | 'values';

export interface QuantizeOptions {
  form: QuantizeForm;
  /** Which products of two activations to quantize as well (none: only constant weights). */
  attention: AttentionProduct[];
  /** One weight scale per output column (true) or one per tensor. */
  perChannel: boolean;
  /**
   * How the right operand of an activation product is quantized: `uint8` by
   * DynamicQuantizeLinear (asymmetric), or `int8` symmetric (max |x| / 63 through
   * QuantizeLinear), so that onnxruntime runs u8s8 kernels rather than u8u8.
   */
  rightOperand: 'uint8' | 'int8';
  /** Replace each attention by one com.microsoft MultiHeadAttention (fuse-attention.ts) first. */
  fuseAttention: boolean;
}

/**
 * What `models quantize` writes by default, chosen by measurement (random ViT-S/16 at
 * 480x848, 1 thread, CPU time per frame against fp32, test/bench/quantize-forms.js):
 * - attention fused into MultiHeadAttention: 1.80–1.81x against 1.57–1.64x without, in
 *   the same runs (1.71–1.77x against 1.42–1.58x on all threads); each attention alone
 *   21–23 ms against 26–28 ms as MatMul → Softmax → MatMul (test/bench/attention-forms.js:
 *   onnxruntime's flash attention never writes the [6, 1591, 1591] scores), with the same
 *   outputs to 1e-6;
 * - weights only: +QKᵀ and AV measured 1.58x against 1.54x for weights only (within the
 *   noise) with u8s8, and 1.35x with u8u8; the attention products are output-bound (an
 *   [N, N] float result either way) and quantizing the softmax costs a pass over [N, N],
 *   so they stay float, and so do their rounding risks on peaked real attention;
 * - `integer`: standard ONNX ops (any runtime runs them) measured 1.57x against
 *   1.54x for the com.microsoft fused nodes: onnxruntime fuses it into the same kernels;
 * - per-column scales: same speed as per-tensor, finer weights;
 * - int8 right operands for activation products when asked for (u8s8 kernels).
 */
export const defaultQuantizeOptions: QuantizeOptions = { form: 'integer', attention: [], perChannel: true, rightOperand: 'int8', fuseAttention: true };

/**
 * Symmetric signed weights: zero point 0, range ±63 (7 bits: onnxruntime's reduce_range).
 * Signed weights are what onnxruntime's u8s8 kernels take on x86 (VNNI's vpdpbusd multiplies
 * unsigned activations by signed weights) and ARM; a symmetric range lets the zero point be
 * left out. On x86 without VNNI (AVX2 only) the kernel adds pairs of uint8 × int8 products in
 * 16 bits, which saturate past 32767: 2 × 255 × 127 does, 2 × 255 × 63 does not. A file is
 * quantized once and run on whatever CPU it reaches, so every file takes the reduced range. It
 * was ±127 until an AVX2-only machine ran the tests: a literal product was off by 0.38, and
 * the committed fixtures' cls_attn cosine against fp32 fell as low as 0.942 (`node
 * test/bench/quantize-cosine.js`, README Models). On VNNI the 8th bit bought little.
 */
const weightLimit = 63;
/** The contrib-op domain onnxruntime implements DynamicQuantizeMatMul and MatMulIntegerToFloat in. */
const microsoftDomain = 'com.microsoft';

/** What quantizeModel_ changed. */
export interface QuantizeSummary {
  weightProducts: number;
  attentionProducts: number;
  /** Attentions replaced by MultiHeadAttention. */
  fusedAttentions: number;
  form: QuantizeForm;
}

/** int8 weight [K, N] with one scale per column (or one for all) as float32. */
export function quantizeWeights(values: Float32Array, rows: number, cols: number, perChannel: boolean): { quantized: Int8Array; scales: Float32Array } {
  const maxima = new Float32Array(perChannel ? cols : 1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const slot = perChannel ? c : 0;
      maxima[slot] = Math.max(maxima[slot], Math.abs(values[r * cols + c]));
    }
  }
  // An all-zero column keeps scale 1 so that dequantizing never divides by zero.
  const scales = maxima.map((m) => (m > 0 ? m / weightLimit : 1));
  const quantized = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const q = Math.round(values[r * cols + c] / scales[perChannel ? c : 0]);
      quantized[r * cols + c] = Math.max(-weightLimit, Math.min(weightLimit, q));
    }
  }
  return { quantized, scales };
}

function asBytes(array: Int8Array | Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** A float32 2-D initializer (a Linear layer's weight [K, N]), or undefined. */
function getWeight(name: string, graph: GraphProto): TensorProto | undefined {
  const tensor = graph.initializer.find((t) => t.name === name);
  return tensor?.dataType === elementTypes.float && getDims(tensor).length === 2 ? tensor : undefined;
}

/** The Add that only adds a constant [N] bias to `output`, when `output` has no other reader. */
function findBiasAdd(output: string, cols: number, graph: GraphProto, index: GraphIndex): { add: NodeProto; bias: string } | undefined {
  const readers = index.consumers.get(output) ?? [];
  if (readers.length !== 1 || readers[0].opType !== 'Add' || readers[0].input?.length !== 2) return undefined;
  const add = readers[0];
  const bias = add.input?.find((name) => name !== output) ?? '';
  // An initializer, not a Constant node: the fused node sits where the MatMul was, maybe before that Constant.
  const tensor = graph.initializer.find((t) => t.name === bias);
  const isBias = tensor?.dataType === elementTypes.float && getDims(tensor).length === 1 && getDims(tensor)[0] === cols;
  return isBias ? { add, bias } : undefined;
}

function makeNode(name: string, opType: string, input: string[], output: string[], domain?: string): NodeProto {
  return onnx.NodeProto.create({ name, opType, input, output, ...(domain ? { domain } : {}) });
}

/** Nodes for `output = A × W` with W quantized to int8 (and its bias folded in when fused). */
function quantizeWeightProduct(node: NodeProto, weight: TensorProto, graph: GraphProto, index: GraphIndex, options: QuantizeOptions, removed: Set<NodeProto>): NodeProto[] {
  const [rows, cols] = getDims(weight); // [K, N]
  const { quantized, scales } = quantizeWeights(readFloats(weight), rows, cols, options.perChannel);
  const prefix = `dino_track/int8/${node.name || node.output?.[0]}`;
  graph.initializer.push(
    makeTensor(`${prefix}/weight`, elementTypes.int8, [rows, cols], asBytes(quantized)),
    makeTensor(`${prefix}/weight_scale`, elementTypes.float, options.perChannel ? [cols] : [], asBytes(scales)),
  );
  const [input] = node.input ?? [];
  const output = node.output?.[0] ?? '';
  if (options.form === 'fused') {
    const biasAdd = findBiasAdd(output, cols, graph, index);
    if (biasAdd) removed.add(biasAdd.add);
    const result = biasAdd ? (biasAdd.add.output?.[0] ?? '') : output;
    const inputs = [input, `${prefix}/weight`, `${prefix}/weight_scale`, ...(biasAdd ? ['', biasAdd.bias] : [])];
    return [makeNode(`${prefix}/matmul`, 'DynamicQuantizeMatMul', inputs, [result], microsoftDomain)];
  }
  graph.initializer.push(makeTensor(`${prefix}/weight_zero`, elementTypes.int8, options.perChannel ? [cols] : [], new Uint8Array(options.perChannel ? cols : 1)));
  return [
    makeNode(`${prefix}/quantize`, 'DynamicQuantizeLinear', [input], [`${prefix}/a`, `${prefix}/a_scale`, `${prefix}/a_zero`]),
    makeNode(`${prefix}/matmul`, 'MatMulInteger', [`${prefix}/a`, `${prefix}/weight`, `${prefix}/a_zero`, `${prefix}/weight_zero`], [`${prefix}/int32`]),
    castToFloat(`${prefix}/cast`, `${prefix}/int32`, `${prefix}/float`),
    makeNode(`${prefix}/scale`, 'Mul', [`${prefix}/a_scale`, `${prefix}/weight_scale`], [`${prefix}/scale`]),
    makeNode(`${prefix}/rescale`, 'Mul', [`${prefix}/float`, `${prefix}/scale`], [output]),
  ];
}

/** `${prefix}/b` = int8(x / scale), scale = max|x| / weightLimit, zero point `${prefix}/b_zero` = 0. */
function quantizeSymmetric(input: string, prefix: string, graph: GraphProto): NodeProto[] {
  graph.initializer.push(
    makeTensor(`${prefix}/b_limit`, elementTypes.float, [], asBytes(Float32Array.of(weightLimit))),
    makeTensor(`${prefix}/b_zero`, elementTypes.int8, [], new Uint8Array(1)),
  );
  const reduce = onnx.NodeProto.create({
    name: `${prefix}/b_max`, opType: 'ReduceMax', input: [`${prefix}/b_abs`], output: [`${prefix}/b_max`],
    attribute: [onnx.AttributeProto.create({ name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 })],
  });
  return [
    makeNode(`${prefix}/b_abs`, 'Abs', [input], [`${prefix}/b_abs`]),
    reduce,
    makeNode(`${prefix}/b_scale`, 'Div', [`${prefix}/b_max`, `${prefix}/b_limit`], [`${prefix}/b_scale`]),
    makeNode(`${prefix}/quantize_b`, 'QuantizeLinear', [input, `${prefix}/b_scale`, `${prefix}/b_zero`], [`${prefix}/b`]),
  ];
}

function castToFloat(name: string, input: string, output: string): NodeProto {
  return onnx.NodeProto.create({
    name, opType: 'Cast', input: [input], output: [output],
    attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: elementTypes.float })],
  });
}

/** Nodes for `output = A × B` with both activations quantized to uint8 on the fly. */
function quantizeActivationProduct(node: NodeProto, graph: GraphProto, options: QuantizeOptions): NodeProto[] {
  const prefix = `dino_track/int8/${node.name || node.output?.[0]}`;
  const [left, right] = node.input ?? [];
  const output = node.output?.[0] ?? '';
  const quantizeEach = [
    makeNode(`${prefix}/quantize_a`, 'DynamicQuantizeLinear', [left], [`${prefix}/a`, `${prefix}/a_scale`, `${prefix}/a_zero`]),
    ...(options.rightOperand === 'int8'
      ? quantizeSymmetric(right, prefix, graph)
      : [makeNode(`${prefix}/quantize_b`, 'DynamicQuantizeLinear', [right], [`${prefix}/b`, `${prefix}/b_scale`, `${prefix}/b_zero`])]),
  ];
  if (options.form === 'fused') {
    const inputs = [`${prefix}/a`, `${prefix}/b`, `${prefix}/a_scale`, `${prefix}/b_scale`, `${prefix}/a_zero`, `${prefix}/b_zero`];
    return [...quantizeEach, makeNode(`${prefix}/matmul`, 'MatMulIntegerToFloat', inputs, [output], microsoftDomain)];
  }
  return [
    ...quantizeEach,
    makeNode(`${prefix}/matmul`, 'MatMulInteger', [`${prefix}/a`, `${prefix}/b`, `${prefix}/a_zero`, `${prefix}/b_zero`], [`${prefix}/int32`]),
    castToFloat(`${prefix}/cast`, `${prefix}/int32`, `${prefix}/float`),
    makeNode(`${prefix}/scale`, 'Mul', [`${prefix}/a_scale`, `${prefix}/b_scale`], [`${prefix}/scale`]),
    makeNode(`${prefix}/rescale`, 'Mul', [`${prefix}/float`, `${prefix}/scale`], [output]),
  ];
}

/** `values` when the left operand is a softmax (through nodes that pass it on unchanged), else `scores`. */
function getAttentionProduct(left: string, index: GraphIndex): AttentionProduct {
  return findValueSource(left, index)?.opType === 'Softmax' ? 'values' : 'scores';
}

function importMicrosoftDomain(model: ModelProto): void {
  model.opsetImport ??= [];
  if (!model.opsetImport.some((o) => o.domain === microsoftDomain)) {
    model.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: microsoftDomain, version: 1 }));
  }
}

/**
 * Dynamically quantizes a float32 ViT to int8, in place on `model`: every MatMul with a
 * constant 2-D weight gets int8 weights, and with `attention` the products of two
 * activations (QKᵀ, AV) quantize both sides on the fly. Softmax outputs stay float (the
 * quantized copy is a separate value), so preparation still exposes the float `cls_attn`.
 * The patch Conv stays float: at 480x848 it is under 1% of a ViT-S/16's multiply-adds.
 * @throws InputError when the model is not a float32 DINO-style ViT.
 */
export function quantizeModel_(model: ModelProto, source: string, options: QuantizeOptions = defaultQuantizeOptions): QuantizeSummary {
  assertNothingDropped(model, source);
  const structure = inspectModel(model, source);
  if (structure.precision !== 'fp32') {
    throw new InputError(`${source} is already ${structure.precision}; quantize the float32 model (model.onnx, or models/export_dino.py's output) instead`);
  }
  const summary = quantizeGraph_(model, options);
  if (summary.weightProducts === 0) throw new InputError(`${source} has no matrix product with a constant float32 weight to quantize; give the float32 model`);
  return summary;
}

/**
 * The graph rewrite behind quantizeModel_, for any graph (no ViT check): MatMuls with a
 * constant float32 [K, N] weight, and with `attention` MatMuls of two activations.
 */
export function quantizeGraph_(model: ModelProto, options: QuantizeOptions = defaultQuantizeOptions): QuantizeSummary {
  const graph = model.graph as GraphProto;
  const opset = toNumber(model.opsetImport?.find((o) => !o.domain)?.version as number | undefined);
  const { fused } = options.fuseAttention ? fuseAttention_(graph, opset) : { fused: 0 };
  const index = indexGraph(graph);
  const removed = new Set<NodeProto>();
  const nodes: NodeProto[] = [];
  const summary: QuantizeSummary = { weightProducts: 0, attentionProducts: 0, fusedAttentions: fused, form: options.form };
  for (const node of graph.node) {
    if (removed.has(node)) continue;
    const [left, right] = node.input ?? [];
    const weight = node.opType === 'MatMul' ? getWeight(right ?? '', graph) : undefined;
    if (weight) {
      nodes.push(...quantizeWeightProduct(node, weight, graph, index, options, removed));
      summary.weightProducts++;
    } else if (node.opType === 'MatMul' && !index.constants.has(left ?? '') && !index.constants.has(right ?? '') && options.attention.includes(getAttentionProduct(left ?? '', index))) {
      nodes.push(...quantizeActivationProduct(node, graph, options));
      summary.attentionProducts++;
    } else {
      nodes.push(node);
    }
  }
  graph.node = nodes.filter((n) => !removed.has(n));
  // Weights read only by replaced products are dropped (a shared one is kept).
  dropUnreadInitializers_(graph);
  if (options.form === 'fused' || fused > 0) importMicrosoftDomain(model);
  graph.valueInfo = [];
  return summary;
}
