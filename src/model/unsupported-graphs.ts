import { InputError } from '../errors.js';
import { getDims, type GraphProto, type NodeProto, type TensorProto } from './onnx-graph.js';
import type { GraphIndex } from './graph-index.js';

/**
 * Graphs that are ViTs but not ones dino-track prepares, recognised by structure so that the
 * message names what the user has and what to give instead, rather than the missing
 * position embedding they trip over.
 */

/** A QuantizeLinear with a constant (calibrated) scale whose output a DequantizeLinear reads: a static QDQ pair. */
function isStaticQdqPair(node: NodeProto, index: GraphIndex): boolean {
  if (node.opType !== 'QuantizeLinear' || !index.constants.has(node.input?.[1] ?? '')) return false;
  return (index.consumers.get(node.output?.[0] ?? '') ?? []).some((reader) => reader.opType === 'DequantizeLinear');
}

/**
 * Refuses a statically quantized QDQ graph (onnxruntime's quantize_static, optimum's static
 * int8): its activations are rounded with scales calibrated at one input size, and its
 * position embeddings are int8 behind a DequantizeLinear. `models quantize` quantizes
 * dynamically (scales computed per frame), which preparation handles.
 * @throws InputError naming the float model and `models quantize` as the way on.
 */
export function assertNotStaticQdq(graph: GraphProto, index: GraphIndex, source: string): void {
  if (!graph.node.some((node) => isStaticQdqPair(node, index))) return;
  throw new InputError(`${source} is a statically quantized (QDQ) graph, with QuantizeLinear/DequantizeLinear pairs of fixed scales, which dino-track does not prepare; give the float model it was quantized from, and for int8 run \`dino-track models quantize\` on that`);
}

/** DINOv2's patch size (DINO's are 16 and 8). */
const dinov2PatchSize = 14;
/** Ops that move or retype a tensor's values without computing new ones: what lies between DINOv2's position embeddings and their Resize. */
const layoutOps = new Set(['Reshape', 'Transpose', 'Cast', 'Slice', 'Squeeze', 'Unsqueeze', 'Identity']);
/** How many layout ops to follow back from a Resize (DINOv2's export has Reshape → Transpose → Cast). */
const maxLayoutHops = 6;

/** A [1, n, D] constant with n = side² or 1 + side²: position embeddings, with or without the CLS row. */
function isPositionEmbeddingShape(tensor: TensorProto): boolean {
  const dims = getDims(tensor);
  if (dims.length !== 3 || dims[0] !== 1 || dims[1] < 4) return false;
  const isSquare = (n: number): boolean => Math.round(Math.sqrt(n)) ** 2 === n;
  return isSquare(dims[1]) || isSquare(dims[1] - 1);
}

/** The position-embedding constant a Resize's data input is laid out from, or undefined. */
function findResizedPositionEmbedding(resize: NodeProto, index: GraphIndex): TensorProto | undefined {
  let current = resize.input?.[0] ?? '';
  for (let hop = 0; hop <= maxLayoutHops; hop++) {
    const constant = index.constants.get(current);
    if (constant) return isPositionEmbeddingShape(constant) ? constant : undefined;
    const producer = index.producers.get(current);
    if (!producer || !layoutOps.has(producer.opType ?? '')) return undefined;
    current = producer.input?.[0] ?? '';
  }
  return undefined;
}

/**
 * Refuses a DINOv2 export (transformers' Dinov2Model, as optimum exports facebook/dinov2-*):
 * patch size 14, and its position embeddings resized inside the graph (interpolate_pos_encoding
 * as a Resize), so no [1, 1 + n², D] tensor is added to the tokens. Only that structure is
 * called DINOv2; a patch-16 or patch-8 graph that resizes its embeddings keeps the generic line.
 * @throws InputError naming what was recognised and `dino-track models list`.
 */
export function assertNotDinov2(graph: GraphProto, index: GraphIndex, patchSize: number, source: string): void {
  if (patchSize !== dinov2PatchSize) return;
  for (const node of graph.node) {
    if (node.opType !== 'Resize') continue;
    const positions = findResizedPositionEmbedding(node, index);
    if (!positions) continue;
    throw new InputError(`${source} looks like a DINOv2 export (patch size 14, its position embeddings [${getDims(positions).join(', ')}] resized inside the graph by a Resize); dino-track takes DINO (v1) ViTs: pick one from \`dino-track models list\``);
  }
}
