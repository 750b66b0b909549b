import { getIntAttribute, type GraphProto, type NodeProto } from './onnx-graph.js';
import type { Precision } from './registry.js';

/**
 * A graph's precision, in the names transformers.js gives its layouts: the registry's three,
 * and q4 / q4f16 (model_q4.onnx, model_q4f16.onnx: 4-bit weight products, float32 or float16
 * elsewhere), which transformers.js v3 publishes beside them.
 */
export type GraphPrecision = Precision | 'q4' | 'q4f16';

/** Ops that only an int8 graph has: onnxruntime's quantizer's and `models quantize`'s. */
const integerProductOps = new Set(['ConvInteger', 'MatMulInteger', 'DynamicQuantizeMatMul', 'MatMulIntegerToFloat']);

/** onnxruntime's weight-only product with n-bit blocks (com.microsoft); transformers.js writes it with 4 bits. */
function isFourBitProduct(node: NodeProto): boolean {
  return node.opType === 'MatMulNBits' && getIntAttribute(node, 'bits', 4) === 4;
}

/**
 * The precision of a graph's weights: q4 when its matrix products have 4-bit weights, int8
 * when the patch Conv (onnxruntime's quantizer) or the products (`models quantize`) are
 * integer, else the position embeddings' float type.
 */
export function getGraphPrecision(graph: GraphProto, patchConv: NodeProto, elementType: 'float' | 'float16'): GraphPrecision {
  const half = elementType === 'float16';
  if (graph.node.some(isFourBitProduct)) return half ? 'q4f16' : 'q4';
  if (patchConv.opType === 'ConvInteger' || graph.node.some((n) => integerProductOps.has(n.opType ?? ''))) return 'int8';
  return half ? 'fp16' : 'fp32';
}

/**
 * Ops whose activation scale comes from the whole tensor of one call: onnxruntime's dynamic
 * quantizer's DynamicQuantizeLinear and its fused DynamicQuantizeMatMul (com.microsoft). With
 * several frames in one call, each frame's values are rounded on a scale that the others set.
 */
const perCallScaleOps = new Set(['DynamicQuantizeLinear', 'DynamicQuantizeMatMul']);

/**
 * Whether the graph rounds activations on one scale for all the frames of a call, so a frame's
 * outputs depend on which frames share its batch (a second trial: an int8 model's masks and
 * ids differed between --batch 1 and 4, with two objects swapped at frame 18). 4-bit products
 * (MatMulNBits) scale per block of one row, and float graphs not at all: neither does.
 */
export function scalesPerCall(graph: GraphProto): boolean {
  return graph.node.some((node) => perCallScaleOps.has(node.opType ?? ''));
}
