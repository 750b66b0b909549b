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

