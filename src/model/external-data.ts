import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import type { onnx as Onnx } from 'onnx-proto';

type ModelProto = Onnx.IModelProto;
type TensorProto = Onnx.ITensorProto;

/** ONNX's TensorProto.DataLocation.EXTERNAL: the values are in another file, not in the graph. */
const externalLocation = 1;
/**
 * The most a graph with its weights inside may hold: protobuf messages stop at 2 GiB (a DINO
 * ViT-B/8 in fp32 is 343 MB; DINOv2's giant, 4.4 GB, is past it).
 */
const maxInlineBytes = 2 ** 31 - 1;

/** Every tensor a graph holds values in: initializers and Constant nodes' values. */
function getValueTensors(model: ModelProto): TensorProto[] {
  const graph = model.graph;
  if (!graph) return [];
  const constants = (graph.node ?? []).flatMap((node) => (node.attribute ?? []).map((a) => a.t).filter((t): t is TensorProto => Boolean(t)));
  return [...(graph.initializer ?? []), ...constants];
}

/** Whether any of the graph's tensors keeps its values in an external data file. */
export function hasExternalData(model: ModelProto): boolean {
  return getValueTensors(model).some((t) => t.dataLocation === externalLocation);
}

/**
 * Reads the values of tensors kept in external data files (`model.onnx_data` beside
 * `model.onnx`, as torch.onnx.export and onnx.save_model(save_as_external_data=True) write
 * them) into the graph, so preparation, quantization and onnxruntime see one self-contained
 * model. Without it, preparation read their empty values ("expected 14x14x48 embeddings, got 0
 * values"), `models quantize` wrote zeros for every weight and exited 0, and onnxruntime looked
 * for the data file in the current folder (a first-time user's trial).
 * @param file the model's path: locations are relative to its folder (the ONNX convention)
 * @throws InputError when a data file is missing or short, or the whole is past protobuf's 2 GiB
 */
export function inlineExternalData_(model: ModelProto, file: string): void {
  const folder = path.dirname(file);
  const handles = new Map<string, number>();
  let total = 0;
  try {
    for (const tensor of getValueTensors(model)) {
      if (tensor.dataLocation !== externalLocation) continue;
      const entries = new Map((tensor.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
      const location = entries.get('location') ?? '';
      const dataFile = path.resolve(folder, location);
      // As onnx's own loader requires: a model names files in its folder, not anywhere on the disk
      // (a review: a model could pull any readable file into the prepared copy it writes).
      const relative = path.relative(folder, dataFile);
      // `..data` is a name in the folder; `..` and `../x` are not (a second review).
      if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(location)) {
        throw new InputError(`${file} names its data file ${location}, outside the model's folder; keep the data file beside the model and name it there (location: model.onnx_data)`);
      }
      let handle = handles.get(dataFile);
      if (handle === undefined) {
        try {
          handle = openSync(dataFile, 'r');
        } catch (cause) {
          throw new InputError(`${file} keeps its weights in ${location || 'an unnamed file'}, which cannot be read beside it (${(cause as NodeJS.ErrnoException).code}); keep the model's data file in the same folder as the model`, { cause });
        }
        handles.set(dataFile, handle);
      }
      const offset = Number(entries.get('offset') ?? 0);
      const length = Number(entries.get('length') ?? getByteLength(tensor));
      total += length;
      if (total > maxInlineBytes) throw new InputError(`${file} has more than 2 GiB of weights, more than one ONNX file holds; use a smaller model (models list)`);
      const bytes = new Uint8Array(length);
      if (readSync(handle, bytes, 0, length, offset) !== length) throw new InputError(`${file}'s data file ${location} is shorter than the model says (tensor ${tensor.name ?? ''}); copy it again`);
      tensor.rawData = bytes;
      tensor.externalData = [];
      // Unset rather than DEFAULT (0): a graph read in is then encoded as if it had been saved with its weights inside.
      delete tensor.dataLocation;
    }
  } finally {
    for (const handle of handles.values()) closeSync(handle);
  }
}

/** Bytes per element of the data types a ViT's weights come in. */
const elementBytes: Record<number, number> = { 1: 4, 2: 1, 3: 1, 6: 4, 7: 8, 10: 2, 11: 8, 16: 2 };

/** A tensor's size in bytes from its dims and type, for external data entries without a length. */
function getByteLength(tensor: TensorProto): number {
  const count = (tensor.dims ?? []).reduce<number>((a, d) => a * Number(d), 1);
  const size = elementBytes[tensor.dataType ?? 0];
  if (!size) throw new InputError(`tensor ${tensor.name ?? ''} of data type ${tensor.dataType} keeps its values in an external file without a length; re-export the model with its weights inside (onnx.save_model(..., save_as_external_data=False))`);
  return count * size;
}
