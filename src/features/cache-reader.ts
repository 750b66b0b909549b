import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { describeNonFinite, findNonFinite } from '../util/finite.js';
import { isHiddenFile } from '../util/paths.js';
import type { FrameFeatures } from '../track/index.js';
import { cacheFormat } from './cache-format.js';
import { readCacheTimes } from './cache-times.js';
import { SafetensorsFile } from './safetensors.js';

/** What a feature cache says about the video it was made from. */
export interface FeatureCacheInfo {
  frames: number;
  heads: number;
  rows: number;
  cols: number;
  dim: number;
  patchSize: number;
  frameWidth: number;
  frameHeight: number;
  fps: number;
  model: string;
  /** The fingerprint of the video it was made from, when the writer knew it. */
  source?: string;
}

/** An opened cache: its description and a frame-by-frame reader. */
export interface FeatureCache {
  info: FeatureCacheInfo;
  frames(): AsyncGenerator<FrameFeatures>;
  /** One frame by index, for passes that go backwards or start in the middle (prompted mode). */
  readFrame(index: number): Promise<FrameFeatures>;
  /** Frame `index`'s time in seconds as the cache recorded it (frameTimeTensor); undefined when it holds none or they cannot be used (see readCacheTimes). */
  readTime(index: number): Promise<number | undefined>;
  /** Why the times the cache records are not used, for the caller to say once; undefined otherwise. */
  timeNotice?: string;
  close(): Promise<void>;
}

async function listShards(source: string): Promise<string[]> {
  const info = await stat(source).catch((cause: NodeJS.ErrnoException) => {
    throw new InputError(`feature cache ${source} does not exist (${cause.code}); check --features`, { cause });
  });
  if (!info.isDirectory()) return [source];
  const shards = (await readdir(source)).filter((n) => n.endsWith('.safetensors') && !isHiddenFile(n)).sort();
  if (shards.length === 0) throw new InputError(`feature cache directory ${source} holds no .safetensors files (hidden ones, named .*, are skipped); check --features`);
  return shards.map((n) => path.join(source, n));
}

/** A positive metadata number, or the fallback when the writer left it out. */
function readNumber(file: SafetensorsFile, key: string, fallback: number): number {
  const value = Number(file.metadata[key]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

function describeShard(file: SafetensorsFile): FeatureCacheInfo {
  // Caches written by other tools may omit the tag; a wrong tag means another format.
  if (file.metadata.format !== undefined && file.metadata.format !== cacheFormat) {
    throw new InputError(`${file.path} is not a dino-track feature cache (format ${JSON.stringify(file.metadata.format ?? null)}, expected ${cacheFormat})`);
  }
  const attention = file.getEntry('cls_attn').shape; // [T, heads, h, w]
  const tokens = file.getEntry('patch_tokens').shape; // [T, h, w, D]
  if (attention.length !== 4 || tokens.length !== 4 || attention[0] !== tokens[0] || attention[2] !== tokens[1] || attention[3] !== tokens[2]) {
    throw new InputError(`${file.path} has mismatched shapes cls_attn [${attention}] and patch_tokens [${tokens}]; expected [T, heads, h, w] and [T, h, w, D]`);
  }
  return {
    frames: attention[0],
    heads: attention[1],
    rows: attention[2],
    cols: attention[3],
    dim: tokens[3],
    // Missing sizes are derived: DINO's default patch 16 and the grid times the patch.
    patchSize: readNumber(file, 'patch_size', 16),
    frameWidth: readNumber(file, 'frame_width', attention[3] * readNumber(file, 'patch_size', 16)),
    frameHeight: readNumber(file, 'frame_height', attention[2] * readNumber(file, 'patch_size', 16)),
    fps: readNumber(file, 'fps', 25),
    model: file.metadata.model ?? 'unknown',
    source: file.metadata.source,
  };
}

/**
 * The values themselves, once checked finite: a cache has no checksum, and a NaN (damaged
 * bytes, a model that overflowed in float16) silently erased every object it touched.
 * @throws InputError naming the file, frame and tensor
 */
function checkFinite(values: Float32Array, tensor: string, file: string, index: number): Float32Array {
  const bad = findNonFinite(values);
  if (bad !== undefined) throw new InputError(`${file}: frame ${index} has ${describeNonFinite(bad)} values in ${tensor}; the feature cache is damaged (or its model overflowed): save it again with --save-features`);
  return values;
}

/**
 * Opens a feature cache: one safetensors file, or a directory of shards read in name
 * order and concatenated along the frame axis.
 * @throws InputError when a shard is missing, malformed, or disagrees with the first.
 */
export async function openFeatureCache(source: string): Promise<FeatureCache> {
  if (typeof source !== 'string' || source === '') throw new UsageError(`Expected a feature cache's path for openFeatureCache() but received ${JSON.stringify(source)}`);
  const files: SafetensorsFile[] = [];
  try {
    for (const shard of await listShards(source)) files.push(await SafetensorsFile.open(shard));
    const infos = files.map(describeShard);
    const [first] = infos;
    for (const [i, info] of infos.entries()) {
      for (const key of ['heads', 'rows', 'cols', 'dim', 'frameWidth', 'frameHeight'] as const) {
        if (info[key] !== first[key]) throw new InputError(`shard ${files[i].path} has ${key} ${info[key]} but the first shard has ${first[key]}; shards must come from one video`);
      }
    }
    const info = { ...first, frames: infos.reduce((sum, i) => sum + i.frames, 0) };
    const { times, notice: timeNotice } = await readCacheTimes(source, files, infos.map((i) => i.frames));
    /** Frame `t` of shard `file` as video frame `index`. */
    const readShardFrame = async (file: SafetensorsFile, t: number, index: number): Promise<FrameFeatures> => ({
      index,
      rows: info.rows,
      cols: info.cols,
      heads: info.heads,
      dim: info.dim,
      clsAttention: checkFinite(await file.readRows('cls_attn', t), 'cls_attn', file.path, index), // [heads, h*w]
      patchTokens: checkFinite(await file.readRows('patch_tokens', t), 'patch_tokens', file.path, index), // [h*w, D]
    });
    let closed = false;
    // A library caller's mistake, said as such: a first-time user got "file closed" from readFrame, a second trial from frames().
    const checkOpen = (): void => {
      if (closed) throw new Error(`the feature cache ${source} is closed; open it again to read frames`);
    };
    /** The shard holding frame `index`, and the frame's place in it. */
    const locate = (index: number): { file: SafetensorsFile; t: number } => {
      // A library caller's mistakes, said as such ("frame 3 is not a frame index" for the string "3").
      checkOpen();
      if (!Number.isInteger(index)) {
        const shown = typeof index === 'string' ? `${JSON.stringify(index)} (a string)` : String(index);
        throw new RangeError(`frame ${shown} is not a frame index; give a whole number from 0 to ${info.frames - 1}`);
      }
      if (index < 0 || index >= info.frames) throw new RangeError(`frame ${index} is outside the feature cache (0-${info.frames - 1})`);
      let t = index;
      for (const [i, file] of files.entries()) {
        if (t < infos[i].frames) return { file, t };
        t -= infos[i].frames;
      }
      throw new RangeError(`frame ${index} is outside the feature cache`);
    };
    return {
      info,
      async *frames() {
        let index = 0;
        for (const [i, file] of files.entries()) {
          for (let t = 0; t < infos[i].frames; t++) {
            checkOpen();
            yield await readShardFrame(file, t, index++);
          }
        }
      },
      async readFrame(index) {
        const { file, t } = locate(index);
        return readShardFrame(file, t, index);
      },
      async readTime(index) {
        locate(index);
        return times?.[index];
      },
      timeNotice,
      close: async () => {
        closed = true;
        await Promise.all(files.map((f) => f.close()));
      },
    };
  } catch (error) {
    await Promise.all(files.map((f) => f.close()));
    throw error;
  }
}
