import {
  dropUnreadInitializers_, elementTypes, getDims, getIntAttribute, getIntsAttribute, makeInt64Tensor, onnx, readFloats, readInts,
  type GraphProto, type NodeProto,
} from './onnx-graph.js';
import { getPassedInput, getValueReaders, indexGraph, type GraphIndex } from './graph-index.js';

/** The contrib-op domain onnxruntime implements MultiHeadAttention in. */
const microsoftDomain = 'com.microsoft';

/**
 * Where a per-head tensor [B, heads, ·, ·] comes from: the token sequence [B, N, width]
 * that a Reshape split into heads, which part of a packed q|k|v it is, its axes as axes of
 * that Reshape's output, and the constant factors multiplied in on the way.
 */
interface HeadSource {
  reshape: NodeProto;
  /** Index into a packed [B, N, 3, heads, dh] reshape (DINO's qkv Linear), or -1. */
  part: number;
  axes: number[];
  scale: number;
}

/** A scalar float constant (an initializer or Constant node), or undefined. */
function getScalar(name: string, index: GraphIndex): number | undefined {
  const tensor = index.constants.get(name);
  if (!tensor || tensor.dataType !== elementTypes.float || getDims(tensor).reduce((a, b) => a * b, 1) !== 1) return undefined;
  return readFloats(tensor)[0];
}

/** `name` = x × c or x / c with c a scalar constant: x and the factor; else undefined. */
function getScaling(name: string, index: GraphIndex): { input: string; factor: number } | undefined {
  const node = index.producers.get(name);
  if (node?.opType !== 'Mul' && node?.opType !== 'Div') return undefined;
  const [a, b] = node.input ?? [];
  const scalarB = getScalar(b ?? '', index);
  if (scalarB !== undefined) return { input: a ?? '', factor: node.opType === 'Mul' ? scalarB : 1 / scalarB };
  const scalarA = node.opType === 'Mul' ? getScalar(a ?? '', index) : undefined;
  return scalarA !== undefined ? { input: b ?? '', factor: scalarA } : undefined;
}

/**
 * Follows a per-head tensor back through scalings, Transposes and (for a packed q|k|v) a
 * Gather of one part, to the Reshape that split the tokens into heads. `axes` maps each
 * axis of the head tensor to an axis of that Reshape's output.
 */
function traceHeads(name: string, index: GraphIndex): HeadSource | undefined {
  let axes = [0, 1, 2, 3];
  let scale = 1;
  let part = -1;
  // Where the gathered (q|k|v) axis is, once a Gather was passed.
  let partAxis = -1;
  let current = name;
  for (let hop = 0; hop < 8; hop++) {
    const scaling = getScaling(current, index);
    if (scaling) {
      scale *= scaling.factor;
      current = scaling.input;
      continue;
    }
    const node = index.producers.get(current);
    if (node?.opType === 'Transpose') {
      const perm = getIntsAttribute(node, 'perm');
      if (!perm) return undefined;
      axes = axes.map((axis) => perm[axis]);
      if (partAxis >= 0) partAxis = perm[partAxis];
    } else if (node?.opType === 'Gather' && part < 0 && getIntAttribute(node, 'axis', 0) === 0) {
      const indices = index.constants.get(node.input?.[1] ?? '');
      if (!indices || getDims(indices).length !== 0) return undefined;
      part = readInts(indices)[0];
      // Gathering one index of axis 0 removed that axis: each remaining axis was one further.
      axes = axes.map((axis) => axis + 1);
      partAxis = 0;
    } else if (node?.opType === 'Reshape') {
      // A packed reshape is [B, N, 3, heads, dh]: the part must be axis 2.
      return part < 0 || partAxis === 2 ? { reshape: node, part, axes, scale } : undefined;
    } else {
      return undefined;
    }
    current = node.input?.[0] ?? '';
  }
  return undefined;
}

/** The Reshape's target, each entry a number or NaN when computed at run time. */
function getReshapeTarget(reshape: NodeProto, index: GraphIndex): number[] | undefined {
  const shape = reshape.input?.[1] ?? '';
  const constant = index.constants.get(shape);
  if (constant) return readInts(constant);
  const concat = index.producers.get(shape);
  if (concat?.opType !== 'Concat') return undefined;
  return (concat.input ?? []).flatMap((input) => {
    const part = index.constants.get(input);
    return part ? readInts(part) : [Number.NaN];
  });
}

/** The width of a token sequence made by a Linear layer: its bias's or weight's last dimension. */
function getLinearWidth(name: string, index: GraphIndex): number | undefined {
  const node = index.producers.get(name);
  if (node?.opType !== 'Add' && node?.opType !== 'MatMul') return undefined;
  for (const input of node.input ?? []) {
    const dims = getDims(index.constants.get(input) ?? {});
    if (dims.length > 0) return dims[dims.length - 1];
  }
  return node.opType === 'Add' ? getLinearWidth(node.input?.[0] ?? '', index) ?? getLinearWidth(node.input?.[1] ?? '', index) : undefined;
}

/**
 * The head count a Reshape splits tokens into: its target's heads entry, or (HF exports
 * write [B, N, -1, dh]) the Linear width (divided by 3 when packed) over dh.
 */
function getHeadCount(reshape: NodeProto, packed: boolean, index: GraphIndex): number | undefined {
  const target = getReshapeTarget(reshape, index);
  const [heads, headDim] = packed ? [target?.[3], target?.[4]] : [target?.[2], target?.[3]];
  if (heads !== undefined && heads > 0) return heads;
  const width = getLinearWidth(reshape.input?.[0] ?? '', index);
  if (heads !== -1 || !(headDim !== undefined && headDim > 0) || width === undefined) return undefined;
  const count = width / (packed ? 3 : 1) / headDim;
  return Number.isInteger(count) && count > 0 ? count : undefined;
}

/**
 * Axis roles in the Reshape's output that a head tensor must have: [B, N, heads, dh] for
 * separate q, k, v, and [B, N, 3, heads, dh] for a packed qkv.
 */
function expectedAxes(packed: boolean, transposed: boolean): number[] {
  const [tokens, heads, headDim] = packed ? [1, 3, 4] : [1, 2, 3];
  return transposed ? [0, heads, headDim, tokens] : [0, heads, tokens, headDim];
}

const sameAxes = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** One attention to replace: its three token sequences, head count, scale and output. */
interface AttentionMatch {
  softmax: NodeProto;
  scores: NodeProto;
  query: HeadSource;
  key: HeadSource;
  value: HeadSource;
  heads: number;
  scale: number;
  /** The Reshape merging heads back to [B, N, D]: the MultiHeadAttention output replaces its output. */
  merge: NodeProto;
}

function singleReader(name: string, index: GraphIndex): NodeProto | undefined {
  const readers = getValueReaders(name, index);
  return readers.length === 1 ? readers[0] : undefined;
}

/** The MatMul multiplying the softmax with values, through nodes that pass it on unchanged (getPassedInput). */
function findValueProduct(softmax: NodeProto, index: GraphIndex): NodeProto | undefined {
  let name = softmax.output?.[0] ?? '';
  let reader = singleReader(name, index);
  while (reader && getPassedInput(reader, index) === name) {
    name = reader.output?.[0] ?? '';
    reader = singleReader(name, index);
  }
  return reader?.opType === 'MatMul' ? reader : undefined;
}

/** Matches Q Kᵀ × c → Softmax → × V → Transpose → Reshape, as HF and DINO exports write it. */
function matchAttention(softmax: NodeProto, index: GraphIndex): AttentionMatch | undefined {
  const axis = getIntAttribute(softmax, 'axis', -1);
  if (axis !== -1 && axis !== 3) return undefined;
  let scale = 1;
  let scoresName = softmax.input?.[0] ?? '';
  for (let scaling = getScaling(scoresName, index); scaling; scaling = getScaling(scoresName, index)) {
    scale *= scaling.factor;
    scoresName = scaling.input;
  }
  const scores = index.producers.get(scoresName);
  const values = findValueProduct(softmax, index);
  if (scores?.opType !== 'MatMul' || !values) return undefined;
  const query = traceHeads(scores.input?.[0] ?? '', index);
  const key = traceHeads(scores.input?.[1] ?? '', index);
  const value = traceHeads(values.input?.[1] ?? '', index);
  if (!query || !key || !value || value.scale !== 1) return undefined;
  const packed = query.part >= 0;
  // Packed: one Reshape of one qkv product, each part once.
  const samePacked = key.reshape === query.reshape && value.reshape === query.reshape && new Set([query.part, key.part, value.part]).size === 3 && Math.min(key.part, value.part) >= 0 && Math.max(query.part, key.part, value.part) === 2;
  if (packed ? !samePacked : key.part >= 0 || value.part >= 0) return undefined;
  if (!sameAxes(query.axes, expectedAxes(packed, false)) || !sameAxes(key.axes, expectedAxes(packed, true)) || !sameAxes(value.axes, expectedAxes(packed, false))) return undefined;
  const transpose = singleReader(values.output?.[0] ?? '', index);
  if (transpose?.opType !== 'Transpose' || !sameAxes(getIntsAttribute(transpose, 'perm') ?? [], [0, 2, 1, 3])) return undefined;
  const merge = singleReader(transpose.output?.[0] ?? '', index);
  // Back to [B, N, D], which is what MultiHeadAttention writes.
  if (merge?.opType !== 'Reshape' || getReshapeTarget(merge, index)?.length !== 3) return undefined;
  const heads = getHeadCount(query.reshape, packed, index);
  if (heads === undefined) return undefined;
  return { softmax, scores, query, key, value, heads, scale: scale * query.scale * key.scale, merge };
}

/**
 * The three [B, N, D] token sequences MultiHeadAttention reads: the Reshapes' inputs, or
 * for a packed q|k|v (DINO's layout: [B, N, 3D] → [B, N, 3, heads, dh]) the thirds of its
 * last axis, by one Split. (Merging separate q, k, v products into one [D, 3D] product the
 * same way measured no faster: test/bench/attention-forms.js.)
 */
function getTokens(match: AttentionMatch, prefix: string, opset: number, added: NodeProto[]): [string, string, string] {
  const sources = [match.query, match.key, match.value];
  if (match.query.part < 0) return sources.map((s) => s.reshape.input?.[0] ?? '') as [string, string, string];
  const parts = [`${prefix}/part0`, `${prefix}/part1`, `${prefix}/part2`];
  const attribute = [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 })];
  // From opset 18 Split needs the number of outputs spelled out; before, it splits evenly by its outputs.
  if (opset >= 18) attribute.push(onnx.AttributeProto.create({ name: 'num_outputs', type: onnx.AttributeProto.AttributeType.INT, i: 3 }));
  added.push(onnx.NodeProto.create({ name: `${prefix}/split`, opType: 'Split', input: [match.query.reshape.input?.[0] ?? ''], output: parts, attribute }));
  return sources.map((s) => parts[s.part]) as [string, string, string];
}

export interface FusedAttention {
  fused: number;
}

/**
 * Replaces every attention that matches Q Kᵀ·c → Softmax → ·V → merge heads with one
 * com.microsoft MultiHeadAttention, which onnxruntime's CPU build runs as a flash attention
 * (MlasFlashAttention: tiles of Q against tiles of K and V, an online softmax) that never
 * writes the [heads, N, N] scores, probabilities or their reads — most of a ViT's time at
 * 480x848 (N = 1591). In the last attention, whose softmax preparation exposes as
 * `cls_attn`, the original Q Kᵀ → Softmax → ·V nodes are kept for the CLS query alone
 * ([B, heads, 1, N]), so preparation still finds them and takes row 0 as before.
 * Attentions that do not match are left as they are.
 */
export function fuseAttention_(graph: GraphProto, opset: number): FusedAttention {
  const index = indexGraph(graph);
  const matches = graph.node.filter((n) => n.opType === 'Softmax').map((s) => matchAttention(s, index)).filter((m) => m !== undefined);
  if (matches.length === 0) return { fused: 0 };
  const last = matches[matches.length - 1];
  const after = new Map<NodeProto, NodeProto[]>();
  matches.forEach((match, i) => {
    const prefix = `dino_track/attention/${i}`;
    const added: NodeProto[] = [];
    const [query, key, value] = getTokens(match, prefix, opset, added);
    added.push(onnx.NodeProto.create({
      name: `${prefix}/mha`, opType: 'MultiHeadAttention', domain: microsoftDomain,
      input: [query, key, value], output: [match.merge.output?.[0] ?? ''],
      attribute: [
        onnx.AttributeProto.create({ name: 'num_heads', type: onnx.AttributeProto.AttributeType.INT, i: match.heads }),
        onnx.AttributeProto.create({ name: 'scale', type: onnx.AttributeProto.AttributeType.FLOAT, f: match.scale }),
      ],
    }));
    after.set(match.merge, added);
    match.merge.output = [`${prefix}/unfused`];
  });
  keepClsRow(last, graph);
  graph.node = graph.node.flatMap((n) => [n, ...(after.get(n) ?? [])]);
  removeUnread(graph, new Set([last.softmax]));
  // Shapes recorded for the old nodes (the last scores were [B, heads, N, N]) no longer hold.
  graph.valueInfo = [];
  return { fused: matches.length };
}

/** Feeds the last attention's Q Kᵀ with the CLS query only: [B, heads, 1, dh]. */
function keepClsRow(match: AttentionMatch, graph: GraphProto): void {
  const query = match.scores.input?.[0] ?? '';
  const prefix = 'dino_track/attention/cls';
  graph.initializer.push(
    makeInt64Tensor(`${prefix}/starts`, [0], [1]),
    makeInt64Tensor(`${prefix}/ends`, [1], [1]),
    makeInt64Tensor(`${prefix}/axes`, [2], [1]),
  );
  const slice = onnx.NodeProto.create({ name: `${prefix}/slice`, opType: 'Slice', input: [query, `${prefix}/starts`, `${prefix}/ends`, `${prefix}/axes`], output: [`${prefix}/query`] });
  const at = graph.node.indexOf(match.scores);
  graph.node.splice(at, 0, slice);
  match.scores.input = [`${prefix}/query`, match.scores.input?.[1] ?? ''];
}

/**
 * Removes nodes nothing reads (the unfused attentions), keeping graph outputs' producers,
 * `keep` and what they read. The kept CLS softmax has its ·V product for preparation to find.
 */
function removeUnread(graph: GraphProto, keep: Set<NodeProto>): void {
  const outputs = new Set(graph.output.map((o) => o.name ?? ''));
  const index = indexGraph(graph);
  const stack = graph.node.filter((n) => (n.output ?? []).some((o) => outputs.has(o)) || keep.has(n));
  for (const softmax of keep) {
    const values = findValueProduct(softmax, index);
    if (values) stack.push(values);
  }
  const live = new Set<NodeProto>();
  while (stack.length > 0) {
    const node = stack.pop() as NodeProto;
    if (live.has(node)) continue;
    live.add(node);
    for (const input of node.input ?? []) {
      const producer = index.producers.get(input);
      if (producer && !live.has(producer)) stack.push(producer);
    }
  }
  graph.node = graph.node.filter((n) => live.has(n));
  dropUnreadInitializers_(graph);
}
