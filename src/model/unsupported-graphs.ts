import { InputError } from '../errors.js';
import type { GraphProto, NodeProto } from './onnx-graph.js';
import type { GraphIndex } from './prepare.js';

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
