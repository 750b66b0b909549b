import { InputError } from '../errors.js';
import {
  assertNothingDropped, elementTypes, getDims, getIntAttribute, getIntsAttribute, makeInt64Tensor, onnx, readFloats, readInts, setFloats_, toNumber,
  type Dimension, type GraphProto, type ModelProto, type NodeProto, type TensorProto, type ValueInfoProto,
} from './onnx-graph.js';
import { getPassedInput, getValueReaders, indexGraph, type GraphIndex } from './graph-index.js';
import { resizePositionEmbedding } from './position-embedding.js';
import { getGraphPrecision, scalesPerCall, type GraphPrecision } from './graph-precision.js';
import { assertNotDinov2, assertNotStaticQdq } from './unsupported-graphs.js';

/**
 * Version of the graphs prepareModel_ writes. It is part of the prepared-model cache key,
 * so an upgrade never reuses a graph prepared by older code; raise it whenever what
 * preparation writes changes. 2: float32 outputs with shapes, int8/fp16 layouts.
 */
export const preparationVersion = 2;

/** The output names every later stage relies on (DESIGN, "Model outputs"). */
export const outputNames = { clsAttention: 'cls_attn', patchTokens: 'patch_tokens' } as const;

/** What preparation found in a ViT graph, by structure rather than by names. */
export interface ModelStructure {
  inputName: string;
  patchSize: number;
  /** Embedding width D. */
  dim: number;
  /** Side of the square patch grid the position embeddings were trained for (0 once prepared). */
  trainedGrid: number;
  /** True when the graph already has `cls_attn` and `patch_tokens` outputs. */
  prepared: boolean;
  /** Fixed input height and width, or undefined when the graph takes any size. */
  inputHeight: number | undefined;
  inputWidth: number | undefined;
  /**
   * Whether the graph runs at its fixed input size only: its reshapes have that size's token
   * count baked in (torch.onnx.export without dynamic axes). Graphs that merely declare a fixed
   * size (models/export_dino.py's, DINO's own) take any size once prepared.
   */
  onlyAtInputSize: boolean;
  elementType: 'float' | 'float16';
  /** Which Hugging Face layout the weights are in (graph-precision.ts). */
  precision: GraphPrecision;
  /** Whether a frame's outputs depend on the other frames of its call (graph-precision.ts, scalesPerCall): run one frame a call. */
  scalesPerCall: boolean;
}

function notAViT(source: string, what: string): InputError {
  return new InputError(`${source} does not look like a DINO ViT: ${what}; give a DINO ViT ONNX model (see \`dino-track models list\`)`);
}

function findImageInput(graph: GraphProto, source: string): ValueInfoProto {
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const image = graph.input.find((i) => !initializers.has(i.name) && i.type?.tensorType?.shape?.dim?.length === 4);
  if (!image?.name) throw notAViT(source, 'no 4-D image input');
  return image;
}

/**
 * Convolutions that can cut the image into patches: a float Conv, or the ConvInteger that
 * onnxruntime's dynamic quantizer puts behind a DynamicQuantizeLinear of the input (int8).
 */
const patchConvOps = new Set(['Conv', 'ConvInteger']);

/** The convolution that cuts the image into patches: the first one downstream of the input. */
function findPatchConv(index: GraphIndex, inputName: string, source: string): NodeProto {
  let frontier = [inputName];
  for (let hop = 0; hop < 4 && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const name of frontier) {
      for (const node of index.consumers.get(name) ?? []) {
        if (patchConvOps.has(node.opType ?? '')) return node;
        next.push(...(node.output ?? []));
      }
    }
    frontier = next;
  }
  throw notAViT(source, 'no patch-embedding convolution after the input');
}

function getPatchSize(conv: NodeProto, index: GraphIndex, source: string): number {
  const kernel = getIntsAttribute(conv, 'kernel_shape') ?? getDims(index.constants.get(conv.input?.[1] ?? '') ?? {}).slice(2);
  const strides = getIntsAttribute(conv, 'strides') ?? kernel;
  if (kernel.length !== 2 || kernel[0] !== kernel[1] || strides[0] !== kernel[0] || strides[1] !== kernel[1]) {
    throw notAViT(source, `the first convolution is not a square patch embedding (kernel ${kernel.join('x')}, stride ${strides.join('x')})`);
  }
  return kernel[0];
}

/** The [1, 1 + side², D] tensor added to the token sequence: the position embeddings. */
function findPositionEmbedding(index: GraphIndex, source: string, square = true): TensorProto {
  for (const [name, tensor] of index.constants) {
    const dims = getDims(tensor);
    if (dims.length !== 3 || dims[0] !== 1 || dims[1] < 5) continue;
    const side = Math.round(Math.sqrt(dims[1] - 1));
    // A prepared model's embeddings already cover its own (non-square) grid.
    if (square && side * side !== dims[1] - 1) continue;
    if ((index.consumers.get(name) ?? []).some((n) => n.opType === 'Add')) return tensor;
  }
  throw notAViT(source, 'no position-embedding tensor of shape [1, 1 + n², D] added to the tokens');
}

/**
 * Matrix products as written by `models quantize` too: the attention's AV product becomes
 * DynamicQuantizeLinear → MatMulIntegerToFloat (or → MatMulInteger), reading the
 * quantized copy of the (still float) softmax.
 */
const matMulOps = new Set(['MatMul', 'MatMulInteger', 'MatMulIntegerToFloat']);
const quantizingOps = new Set(['DynamicQuantizeLinear']);

/** Whether `name` reaches a matrix product through nodes that pass it on unchanged (getPassedInput) or quantize it. */
function feedsMatMul(name: string, index: GraphIndex): boolean {
  for (const node of getValueReaders(name, index)) {
    if (matMulOps.has(node.opType ?? '')) return true;
    const passes = getPassedInput(node, index) === name || quantizingOps.has(node.opType ?? '');
    if (passes && feedsMatMul(node.output?.[0] ?? '', index)) return true;
  }
  return false;
}

/** The last block's attention: the last Softmax whose result is multiplied with values. */
function findLastAttentionSoftmax(graph: GraphProto, index: GraphIndex, source: string): string {
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i];
    if (node.opType !== 'Softmax') continue;
    const output = node.output?.[0] ?? '';
    if (feedsMatMul(output, index)) return output;
  }
  throw notAViT(source, 'no attention Softmax feeding a MatMul');
}

const passThroughOps = new Set(['Squeeze', 'Reshape', 'Flatten', 'Identity', 'Cast']);
/** What a head on the CLS token computes with: a linear layer (and its bias). */
const headOps = new Set(['Gemm', 'MatMul', 'Add']);

/** The final-norm token sequence [B, N, D]: what the graph takes the CLS token from. */
function findNormalisedTokens(graph: GraphProto, index: GraphIndex, source: string): string {
  const output = graph.output[0];
  if (output?.type?.tensorType?.shape?.dim?.length === 3) return output.name ?? '';
  let current = output?.name ?? '';
  for (let hop = 0; hop < 6; hop++) {
    const node = index.producers.get(current);
    if (!node) break;
    if (node.opType === 'Gather' && getIntAttribute(node, 'axis', 0) === 1) return node.input?.[0] ?? '';
    if (node.opType === 'Slice') {
      const axes = node.input?.[3] ? readInts(index.constants.get(node.input[3]) ?? {}) : [0];
      if (axes.includes(1)) return node.input?.[0] ?? '';
    }
    if (headOps.has(node.opType ?? '')) {
      // A classifier's logits or a projection, not the backbone (a first-time user's ViTForImageClassification).
      throw notAViT(source, `its output comes out of a ${node.opType} after the tokens, as a classification or projection head's does; export the ViT without its head (transformers' ViTModel, whose output is last_hidden_state)`);
    }
    if (!passThroughOps.has(node.opType ?? '')) break;
    current = node.input?.[0] ?? '';
  }
  throw notAViT(source, 'the output is not the CLS token of a normalised token sequence');
}

/** Where preparation takes `cls_attn` and `patch_tokens` from. */
interface OutputSources {
  /** The last block's attention probabilities [B, heads, N, N]. */
  attention: string;
  /** The final-norm token sequence [B, N, D]. */
  tokens: string;
}

/**
 * Finds what preparation exposes as outputs. inspectModel runs it too, so that `models info`,
 * `models quantize` and `track` refuse what `models prepare` would (a classifier's head), with
 * the same line, rather than calling the graph ready or writing an int8 copy of it.
 * @throws InputError naming what is missing or what stands in the way.
 */
function findOutputSources(graph: GraphProto, index: GraphIndex, source: string): OutputSources {
  return { attention: findLastAttentionSoftmax(graph, index, source), tokens: findNormalisedTokens(graph, index, source) };
}

/** The input's batch dimension (named or fixed), for the new outputs' shapes. */
function getBatchDimension(graph: GraphProto, inputName: string): Dimension {
  const first = graph.input.find((i) => i.name === inputName)?.type?.tensorType?.shape?.dim?.[0];
  const value = toNumber(first?.dimValue as number | undefined);
  if (value > 0) return onnx.TensorShapeProto.Dimension.create({ dimValue: value });
  return onnx.TensorShapeProto.Dimension.create({ dimParam: first?.dimParam || 'batch' });
}

function getFixedDim(dim: Dimension | undefined): number | undefined {
  const value = toNumber(dim?.dimValue as number | undefined);
  return value > 0 ? value : undefined;
}

/**
 * The position embeddings (findPositionEmbedding); where there are none, names what the graph
 * is instead when it is one dino-track does not prepare (a static QDQ graph, DINOv2). Only
 * then: a graph with fake-quant pairs elsewhere (on a weight, on the patch Conv alone) whose
 * embeddings are float is prepared as before.
 */
function findPositionEmbeddingOrExplain(graph: GraphProto, index: GraphIndex, patchSize: number, source: string, square: boolean): TensorProto {
  try {
    return findPositionEmbedding(index, source, square);
  } catch (error) {
    assertNotStaticQdq(graph, index, source);
    assertNotDinov2(graph, index, patchSize, source);
    throw error;
  }
}

/**
 * Finds the parts of a ViT graph that preparation changes, and checks that an unprepared one
 * has what preparation exposes (findOutputSources).
 * @throws InputError naming what was not found when the graph is not a DINO-style ViT.
 */
export function inspectModel(model: ModelProto, source: string): ModelStructure {
  const graph = model.graph as GraphProto;
  const index = indexGraph(graph);
  const input = findImageInput(graph, source);
  const conv = findPatchConv(index, input.name as string, source);
  const patchSize = getPatchSize(conv, index, source);
  const outputs = new Set(graph.output.map((o) => o.name));
  const prepared = outputs.has(outputNames.clsAttention) && outputs.has(outputNames.patchTokens);
  const positions = findPositionEmbeddingOrExplain(graph, index, patchSize, source, !prepared);
  if (!prepared) findOutputSources(graph, index, source);
  const [, tokens, dim] = getDims(positions);
  const dims = input.type?.tensorType?.shape?.dim ?? [];
  const elementType = positions.dataType === elementTypes.float16 ? 'float16' : 'float';
  return {
    inputName: input.name as string,
    patchSize,
    dim,
    trainedGrid: prepared ? 0 : Math.round(Math.sqrt(tokens - 1)),
    prepared,
    inputHeight: getFixedDim(dims[2]),
    inputWidth: getFixedDim(dims[3]),
    onlyAtInputSize: !prepared && hasBakedTokenCount(index, tokens),
    elementType,
    precision: getGraphPrecision(graph, conv, elementType),
    scalesPerCall: scalesPerCall(graph),
  };
}

/** Whether a Reshape's constant target shape holds `tokens` (CLS and the trained grid's patches: 197 for 224 px at patch 16). */
function hasBakedTokenCount(index: GraphIndex, tokens: number): boolean {
  for (const [value, readers] of index.consumers) {
    const shape = index.constants.get(value);
    if (!shape || (shape.dataType !== elementTypes.int64 && shape.dataType !== elementTypes.int32)) continue;
    if (readers.some((node) => node.opType === 'Reshape' && node.input?.[1] === value) && readInts(shape).includes(tokens)) return true;
  }
  return false;
}

/**
 * A graph exported for one input size (torch.onnx.export without dynamic axes) has that size's
 * token count baked into its reshapes: prepared for another, it was written and then failed
 * inside onnxruntime ("[ShapeInferenceError] Incompatible dimensions", a first-time user's
 * trial). It is refused for any other size with how to export it for every size.
 * @throws InputError
 */
function assertSizeFits(structure: ModelStructure, source: string, height: number, width: number): void {
  const { inputHeight, inputWidth, onlyAtInputSize } = structure;
  if (!onlyAtInputSize || (inputHeight === height && inputWidth === width)) return;
  throw new InputError(`${source} was exported for ${inputWidth}x${inputHeight} (WxH) input only, not ${width}x${height}; export it with dynamic height and width (torch.onnx.export(..., dynamic_axes={'pixel_values': {0: 'batch', 2: 'height', 3: 'width'}})) or with models/export_dino.py`);
}

/**
 * Adds `output` = input[…, 1:, …] along `axis`, cast to float32. The cast makes every
 * prepared model give float32 whatever precision the graph computes in (fp16 layouts
 * compute the softmax in float16): later stages and the session read float32 only, and
 * onnxruntime removes a cast from float32 to float32.
 */
function addFloatSliceFromOne(graph: GraphProto, input: string, axis: number, output: string): void {
  const prefix = `dino_track/${output}`;
  graph.initializer.push(
    makeInt64Tensor(`${prefix}/starts`, [1], [1]),
    makeInt64Tensor(`${prefix}/ends`, [Number.MAX_SAFE_INTEGER], [1]),
    makeInt64Tensor(`${prefix}/axes`, [axis], [1]),
  );
  graph.node.push(
    onnx.NodeProto.create({
      name: `${prefix}/slice`, opType: 'Slice', input: [input, `${prefix}/starts`, `${prefix}/ends`, `${prefix}/axes`], output: [`${prefix}/sliced`],
    }),
    onnx.NodeProto.create({
      name: `${prefix}/cast`, opType: 'Cast', input: [`${prefix}/sliced`], output: [output],
      attribute: [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: elementTypes.float })],
    }),
  );
}

/** A float32 graph output with a shape, so that onnx.checker accepts the prepared graph. */
function describeFloatOutput(name: string, dims: Dimension[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: elementTypes.float, shape: { dim: dims } } } });
}

/**
 * Prepares a ViT for tracking at one input size, in place on `model` (returned for
 * chaining): exposes the last block's CLS attention `[B, heads, h*w]` and the final
 * normalised patch tokens `[B, h*w, D]`, and resizes the position embeddings to the
 * h×w patch grid as DINO does.
 * @throws InputError when the graph lacks the ViT structure, the size is not a multiple of
 * the patch size, or the model has fields newer than our IR 8 schema (they would be lost).
 */
export function prepareModel_(model: ModelProto, source: string, height: number, width: number): ModelProto {
  assertNothingDropped(model, source);
  const structure = inspectModel(model, source);
  if (structure.prepared) {
    throw new InputError(`${source} is already prepared (it has ${outputNames.clsAttention} and ${outputNames.patchTokens} outputs); prepare the original model instead`);
  }
  const { patchSize } = structure;
  if (height % patchSize !== 0 || width % patchSize !== 0 || height <= 0 || width <= 0) {
    throw new InputError(`size ${height}x${width} is not a multiple of the patch size ${patchSize}; choose one that is`);
  }
  assertSizeFits(structure, source, height, width);
  const graph = model.graph as GraphProto;
  const index = indexGraph(graph);
  const rows = height / patchSize;
  const cols = width / patchSize;

  const { attention, tokens } = findOutputSources(graph, index, source);
  // [B, heads, N, N] → CLS row [B, heads, N] → patches only [B, heads, N-1]
  graph.initializer.push(makeInt64Tensor('dino_track/cls_row', [0], []));
  graph.node.push(onnx.NodeProto.create({
    name: 'dino_track/cls_row/gather', opType: 'Gather', input: [attention, 'dino_track/cls_row'], output: ['dino_track/cls_row_out'],
    attribute: [onnx.AttributeProto.create({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 2 })],
  }));
  addFloatSliceFromOne(graph, 'dino_track/cls_row_out', 2, outputNames.clsAttention);
  // [B, N, D] → [B, N-1, D]
  addFloatSliceFromOne(graph, tokens, 1, outputNames.patchTokens);
  const batch = getBatchDimension(graph, structure.inputName);
  const patches = onnx.TensorShapeProto.Dimension.create({ dimValue: rows * cols });
  // The head count is not recorded in the graph as a plain number, so it stays symbolic.
  const heads = onnx.TensorShapeProto.Dimension.create({ dimParam: 'heads' });
  const dim = onnx.TensorShapeProto.Dimension.create({ dimValue: structure.dim });
  graph.output = [
    describeFloatOutput(outputNames.clsAttention, [batch, heads, patches]),
    describeFloatOutput(outputNames.patchTokens, [batch, patches, dim]),
  ];

  const positions = findPositionEmbedding(index, source);
  const side = structure.trainedGrid;
  if (rows !== side || cols !== side) {
    const values = readFloats(positions); // [1, 1 + side², D]
    const { dim } = structure;
    const resized = resizePositionEmbedding(values.subarray(dim), side, dim, rows, cols); // [rows*cols, D]
    const combined = new Float32Array((1 + rows * cols) * dim);
    combined.set(values.subarray(0, dim));
    combined.set(resized, dim);
    setFloats_(positions, [1, 1 + rows * cols, dim], combined);
  }

  const input = graph.input.find((i) => i.name === structure.inputName);
  const dims = input?.type?.tensorType?.shape?.dim;
  if (dims) {
    dims[2] = onnx.TensorShapeProto.Dimension.create({ dimValue: height });
    dims[3] = onnx.TensorShapeProto.Dimension.create({ dimValue: width });
  }
  // Shapes recorded for 224×224 would contradict the new grid; onnxruntime re-infers them.
  graph.valueInfo = [];
  return model;
}
