import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { halvesToFloats } from '../util/float16.js';

/** One tensor's entry in a safetensors header. */
export interface TensorEntry {
  dtype: 'F32' | 'F16';
  shape: number[];
  /** Absolute byte offsets in the file. */
  begin: number;
  end: number;
}

const bytesPerElement = { F32: 4, F16: 2 } as const;

/**
 * A safetensors file opened for random access: the header is parsed up front, tensor
 * data is read slice by slice so a long video's cache never has to fit in memory.
 */
export class SafetensorsFile {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly tensors: Map<string, TensorEntry>,
    readonly metadata: Record<string, string>,
  ) {}

  /** @throws InputError when the file is missing or not safetensors. */
  static async open(path: string): Promise<SafetensorsFile> {
    const handle = await open(path, 'r').catch((cause: NodeJS.ErrnoException) => {
      throw new InputError(`cannot open ${path} (${cause.code}); check the path`, { cause });
    });
    try {
      const { size } = await handle.stat();
      const prefix = Buffer.alloc(8);
      await handle.read(prefix, 0, 8, 0);
      const headerLength = Number(prefix.readBigUInt64LE(0));
      if (size < 8 || headerLength <= 0 || 8 + headerLength > size || headerLength > 100_000_000) throw new Error('bad header length');
      const text = Buffer.alloc(headerLength);
      await handle.read(text, 0, headerLength, 8);
      const header = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
      const tensors = new Map<string, TensorEntry>();
      let metadata: Record<string, string> = {};
      for (const [name, value] of Object.entries(header)) {
        if (name === '__metadata__') {
          metadata = value as Record<string, string>;
          continue;
        }
        const { dtype, shape, data_offsets: offsets } = value as { dtype: string; shape: number[]; data_offsets: [number, number] };
        if (dtype !== 'F32' && dtype !== 'F16') throw new Error(`tensor ${name} has dtype ${dtype}, expected F32 or F16`);
        const begin = 8 + headerLength + offsets[0];
        const end = 8 + headerLength + offsets[1];
        const count = shape.reduce((a, b) => a * b, 1);
        if (end > size || end - begin !== count * bytesPerElement[dtype]) throw new Error(`tensor ${name} does not fit its shape`);
        tensors.set(name, { dtype, shape, begin, end });
      }
      return new SafetensorsFile(path, handle, tensors, metadata);
    } catch (cause) {
      await handle.close();
      throw new InputError(`${path} is not a valid safetensors file (${(cause as Error).message}); write it again with --save-features`, { cause });
    }
  }

  /** The entry for `name`. @throws InputError when absent. */
  getEntry(name: string): TensorEntry {
    const entry = this.tensors.get(name);
    if (!entry) throw new InputError(`${this.path} has no tensor named ${name}; it is not a dino-track feature cache`);
    return entry;
  }

  /** Reads `count` rows along the first axis, starting at `first`, as float32. */
  async readRows(name: string, first: number, count = 1): Promise<Float32Array> {
    const entry = this.getEntry(name);
    const rowElements = entry.shape.slice(1).reduce((a, b) => a * b, 1);
    const width = bytesPerElement[entry.dtype];
    const bytes = Buffer.alloc(rowElements * count * width);
    await this.handle.read(bytes, 0, bytes.length, entry.begin + first * rowElements * width);
    if (entry.dtype === 'F32') return new Float32Array(bytes.buffer, bytes.byteOffset, rowElements * count);
    return halvesToFloats(new Uint16Array(bytes.buffer, bytes.byteOffset, rowElements * count));
  }

  /** Reads a whole tensor as float32. */
  async readTensor(name: string): Promise<Float32Array> {
    return this.readRows(name, 0, this.getEntry(name).shape[0] ?? 1);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
