import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createReadStream } from 'node:fs';
import { commitOrKeepBeside, createAtomicPath, type AtomicPath } from '../util/atomic-path.js';
import { removeDeadPartials } from '../util/stale-leftovers.js';
import { removeOnCleanup } from '../util/cleanup.js';
import { ExternalError, nameFileError, type FileErrorFixes } from '../errors.js';
import { floatsToHalves } from '../util/float16.js';
import { openStreamWriter } from '../util/stream-writer.js';
import type { FrameFeatures } from '../track/index.js';
import { cacheFormat, frameTimeTensor, splitFrameTime, type CacheMetadata } from './cache-format.js';

export type CacheDtype = 'F32' | 'F16';

/** Streams per-frame features to a safetensors feature cache (DESIGN, "Feature cache"). */
export interface FeatureCacheWriter {
  /** `time`: the frame's time in seconds (see frameTimeTensor); a cache with a frame without one keeps no times. */
  write(features: FrameFeatures, time?: number): Promise<void>;
  finish(): Promise<void>;
  abort(): Promise<void>;
  /** Whether `finish` has put the cache at its path. */
  readonly placed: boolean;
}

/** The largest finite float16 value: beyond it a value is saved as infinity. */
const halfMax = 65504;

/** @throws ExternalError when float16 cannot hold a value (it would be read back as infinity and refused) */
function toBytes(values: Float32Array, dtype: CacheDtype, tensor: string, index: number): Uint8Array {
  if (dtype === 'F16') {
    for (let i = 0; i < values.length; i++) {
      if (Math.abs(values[i]) > halfMax) throw new ExternalError(`frame ${index}: a value of its ${tensor}, ${values[i]}, is beyond float16's range (±${halfMax}); save the features with --features-dtype f32`);
    }
  }
  const typed = dtype === 'F16' ? floatsToHalves(values) : values;
  return new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
}

/**
 * safetensors needs the header (with every shape) before the data, and the frame count
 * is known only at the end, so each tensor streams to its own scratch file and the
 * cache is assembled once, header first, when the run completes.
 */
export function createFeatureCacheWriter(target: string, metadata: Omit<CacheMetadata, 'format'>, dtype: CacheDtype = 'F32', overwrite = false): FeatureCacheWriter {
  removeDeadPartials(target);
  const output: AtomicPath = createAtomicPath(target);
  const scratch = { attention: `${output.temp}.cls_attn`, tokens: `${output.temp}.patch_tokens`, times: `${output.temp}.${frameTimeTensor}` };
  const unregister = [removeOnCleanup(scratch.attention), removeOnCleanup(scratch.tokens), removeOnCleanup(scratch.times)];
  const attention = openStreamWriter(scratch.attention);
  const tokens = openStreamWriter(scratch.tokens);
  const times = openStreamWriter(scratch.times);
  let frames = 0;
  let timed = true;
  let shape: { heads: number; rows: number; cols: number; dim: number } | undefined;
  const cleanScratch = async (): Promise<void> => {
    attention.destroy();
    tokens.destroy();
    times.destroy();
    await Promise.all(Object.values(scratch).map((file) => rm(file, { force: true })));
    unregister.forEach((u) => u());
  };
  return {
    get placed() {
      return output.placed;
    },
    async write(features, time) {
      shape ??= { heads: features.heads, rows: features.rows, cols: features.cols, dim: features.dim };
      await attention.write(toBytes(features.clsAttention, dtype, 'attention', features.index)); // [heads, h*w]
      await tokens.write(toBytes(features.patchTokens, dtype, 'patch tokens', features.index)); // [h*w, D]
      timed &&= time !== undefined && Number.isFinite(time);
      if (timed) await times.write(new Uint8Array(splitFrameTime(time as number).buffer));
      frames++;
    },
    async finish() {
      await Promise.all([attention.end(), tokens.end(), times.end()]);
      const { heads, rows, cols, dim } = shape ?? { heads: 0, rows: 0, cols: 0, dim: 0 };
      const width = dtype === 'F16' ? 2 : 4;
      const attentionBytes = frames * heads * rows * cols * width;
      const tokenBytes = frames * rows * cols * dim * width;
      const timeBytes = frames * 2 * 4;
      const header: Record<string, unknown> = {
        __metadata__: Object.fromEntries(Object.entries({ ...metadata, format: cacheFormat }).map(([k, v]) => [k, String(v)])),
        cls_attn: { dtype, shape: [frames, heads, rows, cols], data_offsets: [0, attentionBytes] },
        patch_tokens: { dtype, shape: [frames, rows, cols, dim], data_offsets: [attentionBytes, attentionBytes + tokenBytes] },
        ...(timed && frames > 0 ? { [frameTimeTensor]: { dtype: 'F32', shape: [frames, 2], data_offsets: [attentionBytes + tokenBytes, attentionBytes + tokenBytes + timeBytes] } } : {}),
      };
      // Padded to 8 bytes (the data then starts aligned), counted in bytes: a model path with accents is longer in UTF-8.
      const json = Buffer.from(JSON.stringify(header));
      const text = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, ' ')]);
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(text.length));
      const file = await open(output.temp, 'w');
      try {
        await file.write(Buffer.concat([prefix, text]));
      } finally {
        await file.close();
      }
      const append = createWriteStream(output.temp, { flags: 'a' });
      await pipeline(createReadStream(scratch.attention), append, { end: false });
      if (timed && frames > 0) {
        await pipeline(createReadStream(scratch.tokens), append, { end: false });
        await pipeline(createReadStream(scratch.times), append);
      } else await pipeline(createReadStream(scratch.tokens), append);
      await cleanScratch();
      // A file at `target` at the start was allowed by --overwrite; one that appeared meanwhile is kept.
      await commitOrKeepBeside(output, overwrite);
    },
    async abort() {
      await cleanScratch();
      await output.discard();
    },
  };
}

/**
 * `writer` with its disk failures named as `what`'s, with its own fixes (errors.ts nameFileError):
 * a cache is never the run's -o, so the generic "choose another -o" would send the user the wrong way.
 */
export function nameWriteFailures(writer: FeatureCacheWriter, what: string, fixes: FileErrorFixes): FeatureCacheWriter {
  const named = <T>(work: Promise<T>): Promise<T> => work.catch((error: unknown) => {
    throw nameFileError(error, what, fixes);
  });
  return {
    get placed() {
      return writer.placed;
    },
    write: (features, time) => named(writer.write(features, time)),
    finish: () => named(writer.finish()),
    abort: () => writer.abort(),
  };
}
