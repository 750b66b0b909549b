import type { GraphProto, NodeProto, TensorProto } from './onnx-graph.js';

/** Producers, readers and constant values of every value in a graph, for finding structure by its links. */
export interface GraphIndex {
  producers: Map<string, NodeProto>;
  consumers: Map<string, NodeProto[]>;
  constants: Map<string, TensorProto>;
}

/** Indexes a graph once; the finders in prepare.ts, fuse-attention.ts, quantize.ts and unsupported-graphs.ts walk it. */
export function indexGraph(graph: GraphProto): GraphIndex {
  const producers = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  const constants = new Map<string, TensorProto>();
  for (const tensor of graph.initializer) constants.set(tensor.name ?? '', tensor);
  for (const node of graph.node) {
    for (const output of node.output ?? []) producers.set(output, node);
    for (const input of node.input ?? []) {
      if (!consumers.has(input)) consumers.set(input, []);
      consumers.get(input)?.push(node);
    }
    if (node.opType === 'Constant') {
      const value = node.attribute?.find((a) => a.name === 'value')?.t;
      if (value && node.output?.[0]) constants.set(node.output[0], value);
    }
  }
  return { producers, consumers, constants };
}

/**
 * Nodes that pass a value on unchanged: transformers' eager attention computes the softmax in
 * float32 and casts back (Softmax → Cast → Cast → MatMul), and some exports keep an
 * inference-time Dropout or an Identity.
 */
const valuePreservingOps = new Set(['Cast', 'Identity', 'Dropout']);

/**
 * The input `node` passes on unchanged in value, or undefined: the first input of a Cast,
 * Identity or Dropout; `x` of a NaN guard Where(IsNaN(x), c, x), which torch's dynamo exporter
 * writes after each attention softmax (the guard changes only rows that are all NaN).
 */
export function getPassedInput(node: NodeProto, index: GraphIndex): string | undefined {
  const op = node.opType ?? '';
  if (valuePreservingOps.has(op)) return node.input?.[0];
  if (op !== 'Where') return undefined;
  const [condition, , value] = node.input ?? [];
  const test = index.producers.get(condition ?? '');
  return test?.opType === 'IsNaN' && test.input?.[0] === value ? value : undefined;
}

/**
 * The nodes that read `name` for its value: all its readers but the IsNaN of a NaN guard on
 * it (getPassedInput), whose Where is the reader that carries it on.
 */
export function getValueReaders(name: string, index: GraphIndex): NodeProto[] {
  const isGuardTest = (node: NodeProto): boolean =>
    node.opType === 'IsNaN' && (index.consumers.get(node.output?.[0] ?? '') ?? []).every((w) => getPassedInput(w, index) === name);
  return (index.consumers.get(name) ?? []).filter((node) => !isGuardTest(node));
}

/** The node that made `name`'s value, back through nodes that pass it on unchanged (getPassedInput). */
export function findValueSource(name: string, index: GraphIndex): NodeProto | undefined {
  let producer = index.producers.get(name);
  for (let passed = producer && getPassedInput(producer, index); producer && passed; passed = producer && getPassedInput(producer, index)) {
    producer = index.producers.get(passed);
  }
  return producer;
}
