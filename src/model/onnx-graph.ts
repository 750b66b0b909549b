// onnx-proto's types name protobufjs's global Long (from @types/long, a dependency of protobufjs 6):
// said here so that a TypeScript project using dino-track with a "types" list in its tsconfig
// (without skipLibCheck) finds it through our declarations (a first-time user's: Cannot find name 'Long').
/// <reference types="long" preserve="true" />
import { createRequire } from 'node:module';
import onnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';
import { InputError } from '../errors.js';
import { floatsToHalves, halvesToFloats } from '../util/float16.js';
import { hasExternalData, inlineExternalData_ } from './external-data.js';

/** All of the ONNX protobuf schema we use goes through this module. */
export const { onnx } = onnxProto;
export type ModelProto = Onnx.ModelProto;
export type GraphProto = Onnx.GraphProto;
export type NodeProto = Onnx.INodeProto;
export type TensorProto = Onnx.ITensorProto;
export type ValueInfoProto = Onnx.IValueInfoProto;
export type Dimension = Onnx.TensorShapeProto.IDimension;

const DataType = onnx.TensorProto.DataType;

type IntLike = number | { toNumber(): number };

/** protobufjs gives int64 fields as numbers or Long objects depending on size. */
export function toNumber(value: IntLike | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}

/**
 * The newest ONNX IR version whose every field our schema (onnx-proto, IR 8) knows. A
 * newer file decodes fine, but protobufjs skips the fields it does not know, so a
 * re-encoded (prepared) copy would silently lose them.
 */
const maxIrVersion = onnx.Version.IR_VERSION;
/** The newest opset that ONNX writes with IR version 8 (onnx 1.13); opset 19 came with IR 9. */
const maxOpsetForIr = 18;

interface SkippingReader {
  skipType(wireType: number): unknown;
  uint32(): number;
}
// The protobufjs instance onnx-proto decodes with (resolved from onnx-proto, not from us).
const { Reader } = createRequire(createRequire(import.meta.url).resolve('onnx-proto'))('protobufjs/minimal') as { Reader: { prototype: SkippingReader } };

/**
 * Fields newer IR versions added that only annotate, as `Message.field number`: IR 10's
 * metadata_props (names, stack traces), which torch's dynamo exporter writes on every node and
 * value. A prepared copy without them computes the same, so they are let go, not refused.
 */
const annotationFields = new Set(['NodeProto.9', 'ValueInfoProto.4', 'GraphProto.16', 'TensorProto.16', 'FunctionProto.14']);

/** How many fields unknown to our schema, other than annotations, each decoded model had (they are not kept). */
const droppedFieldCounts = new WeakMap<ModelProto, number>();

type Decoder = (reader: unknown, length?: number) => unknown;
/** The schema's message types by name (their decoders call each other through these properties). */
const messageTypes = Object.entries(onnx as unknown as Record<string, { decode?: Decoder }>).filter(([, type]) => typeof type?.decode === 'function') as [string, { decode: Decoder }][];

/**
 * Decodes, counting the fields the schema does not know: generated decoders read each field's
 * tag (Reader.uint32) and hand exactly the unknown ones to Reader.skipType, so both are wrapped,
 * with each message type's decoder, for the (synchronous) decode only; the innermost message
 * being decoded and the last tag read name the field skipped.
 */
function decodeCountingDropped(bytes: Uint8Array): { model: ModelProto; dropped: number } {
  const { skipType, uint32 } = Reader.prototype;
  const decoders = messageTypes.map(([, type]) => type.decode);
  const open: string[] = []; // messages being decoded, innermost last
  let lastRead = 0;
  let dropped = 0;
  Reader.prototype.uint32 = function readRemembering(this: SkippingReader) {
    lastRead = uint32.call(this);
    return lastRead;
  };
  Reader.prototype.skipType = function countSkipped(this: SkippingReader, wireType: number) {
    if (!annotationFields.has(`${open.at(-1)}.${lastRead >>> 3}`)) dropped++;
    return skipType.call(this, wireType);
  };
  messageTypes.forEach(([name, type], k) => {
    type.decode = (reader, length) => {
      open.push(name);
      try {
        return decoders[k](reader, length);
      } finally {
        open.pop();
      }
    };
  });
  try {
    return { model: onnx.ModelProto.decode(bytes), dropped };
  } finally {
    Object.assign(Reader.prototype, { skipType, uint32 });
    messageTypes.forEach(([, type], k) => (type.decode = decoders[k]));
  }
}

/** Models whose weights were read from external data files into the graph (their file's bytes are not the model). */
const inlinedModels = new WeakSet<ModelProto>();

/** Whether the model's weights came from external data files: its own file's bytes are not all of it. */
export function hasInlinedData(model: ModelProto): boolean {
  return inlinedModels.has(model);
}

/**
 * Parses ONNX protobuf bytes; weights kept in external data files beside `file` are read
 * into the graph (external-data.ts).
 * @param file the model's path, where its external data files are found; without it such a model is refused
 * @throws InputError when the bytes are not an ONNX model, or its external data cannot be read
 */
export function decodeModel(bytes: Uint8Array, source: string, file?: string): ModelProto {
  let decoded: { model: ModelProto; dropped: number };
  try {
    decoded = decodeCountingDropped(bytes);
  } catch (cause) {
    throw new InputError(`${source} is not a readable ONNX model (${(cause as Error).message}); check the file or download it again`, { cause });
  }
  const { model, dropped } = decoded;
  if (!model.graph?.node?.length) {
    throw new InputError(`${source} is not an ONNX model (no graph found); check the file or download it again`);
  }
  if (dropped > 0) droppedFieldCounts.set(model, dropped);
  if (hasExternalData(model)) {
    if (!file) throw new InputError(`${source} keeps its weights in an external data file, which dino-track cannot fetch with it; download or export the model with its weights inside`);
    inlineExternalData_(model, file);
    inlinedModels.add(model);
  }
  return model;
}

/**
 * Refuses, before anything re-encodes it, a model that had fields our IR 8 schema does
 * not know (newer IR versions add some) other than annotations; a newer IR version without
 * such fields is kept whole.
 * @throws InputError naming the version and how to re-export.
 */
export function assertNothingDropped(model: ModelProto, source: string): void {
  const dropped = droppedFieldCounts.get(model) ?? 0;
  if (dropped === 0) return;
  const version = toNumber(model.irVersion as IntLike);
  throw new InputError(`${source} uses ONNX IR version ${version}; dino-track reads up to ${maxIrVersion} and would drop ${dropped} newer field${dropped === 1 ? '' : 's'}; re-export with opset ≤ ${maxOpsetForIr} (torch.onnx.export(..., dynamo=False)) or use models/export_dino.py`);
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Dims of a tensor as plain numbers. */
export function getDims(tensor: TensorProto): number[] {
  return (tensor.dims ?? []).map(toNumber);
}

/** Reads a FLOAT or FLOAT16 tensor's values as float32. */
export function readFloats(tensor: TensorProto): Float32Array {
  const count = getDims(tensor).reduce((a, b) => a * b, 1);
  const raw = tensor.rawData && tensor.rawData.length > 0 ? tensor.rawData : undefined;
  if (tensor.dataType === DataType.FLOAT) {
    if (raw) return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + count * 4));
    return Float32Array.from(tensor.floatData ?? []);
  }
  if (tensor.dataType === DataType.FLOAT16) {
    // FLOAT16 without raw_data is stored as one half per int32_data entry.
    const halves = raw
      ? new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + count * 2))
      : Uint16Array.from(tensor.int32Data ?? []);
    return halvesToFloats(halves);
  }
  throw new InputError(`tensor ${tensor.name ?? ''} has data type ${tensor.dataType}; expected float32 or float16`);
}

/** Replaces a FLOAT/FLOAT16 tensor's values and dims in place (name says so: mutates). */
export function setFloats_(tensor: TensorProto, dims: number[], values: Float32Array): void {
  tensor.dims = dims;
  tensor.floatData = [];
  tensor.int32Data = [];
  if (tensor.dataType === DataType.FLOAT16) {
    tensor.rawData = new Uint8Array(floatsToHalves(values).buffer);
  } else {
    tensor.rawData = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  }
}

/** Makes an int64 constant tensor. */
export function makeInt64Tensor(name: string, values: number[], dims: number[]): TensorProto {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  return onnx.TensorProto.create({ name, dataType: DataType.INT64, dims, rawData: bytes });
}

/** Reads an int attribute (or the default) from a node. */
export function getIntAttribute(node: NodeProto, name: string, fallback: number): number {
  const attribute = node.attribute?.find((a) => a.name === name);
  return attribute ? toNumber(attribute.i as IntLike) : fallback;
}

/** Reads an ints attribute from a node. */
export function getIntsAttribute(node: NodeProto, name: string): number[] | undefined {
  const attribute = node.attribute?.find((a) => a.name === name);
  return attribute?.ints?.map((v) => toNumber(v as IntLike));
}

/** Reads an int64 tensor (an initializer or Constant value) as numbers. */
export function readInts(tensor: TensorProto): number[] {
  const raw = tensor.rawData && tensor.rawData.length > 0 ? tensor.rawData : undefined;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const size = tensor.dataType === DataType.INT32 ? 4 : 8;
    const out: number[] = [];
    for (let i = 0; i < raw.byteLength; i += size) out.push(size === 4 ? view.getInt32(i, true) : Number(view.getBigInt64(i, true)));
    return out;
  }
  return [...(tensor.int64Data ?? []), ...(tensor.int32Data ?? [])].map((v) => toNumber(v as IntLike));
}

/** Makes a tensor from little-endian bytes (int8, uint8 and float32 initializers). */
export function makeTensor(name: string, dataType: number, dims: number[], bytes: Uint8Array): TensorProto {
  return onnx.TensorProto.create({ name, dataType, dims, rawData: bytes });
}

export const elementTypes = { float: DataType.FLOAT, float16: DataType.FLOAT16, int8: DataType.INT8, uint8: DataType.UINT8, int32: DataType.INT32, int64: DataType.INT64 };

/**
 * Drops initializers that no node and no graph output reads, and their graph inputs
 * (older exports also list initializers as inputs; a dropped one must not stay an input).
 */
export function dropUnreadInitializers_(graph: GraphProto): void {
  const read = new Set([...graph.node.flatMap((n) => n.input ?? []), ...graph.output.map((o) => o.name ?? '')]);
  const dropped = new Set(graph.initializer.filter((t) => !read.has(t.name ?? '')).map((t) => t.name));
  graph.initializer = graph.initializer.filter((t) => !dropped.has(t.name));
  graph.input = graph.input.filter((i) => !dropped.has(i.name));
}
