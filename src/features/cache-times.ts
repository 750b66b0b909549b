import { frameTimeTensor } from './cache-format.js';
import type { SafetensorsFile } from './safetensors.js';

/** The frame times a cache recorded, usable or not, and why not. */
export interface CacheTimes {
  /** One time a frame across all shards; undefined when the cache's times cannot be used. */
  times?: Float64Array;
  /** Why recorded times were not used (said once by the caller); undefined when there were none to use, or they are used. */
  notice?: string;
}

/** One shard's recorded times (hi + lo), or undefined when it holds none in the shape this reader knows. */
async function readShardTimes(file: SafetensorsFile, frames: number): Promise<Float64Array | undefined> {
  const entry = file.tensors.get(frameTimeTensor);
  // Written by an older dino-track (or another tool): no times, or not in the shape this one writes.
  if (!entry || entry.shape.length !== 2 || entry.shape[1] !== 2 || entry.shape[0] !== frames) return undefined;
  const pairs = await file.readTensor(frameTimeTensor); // [T, 2]: hi, lo
  return Float64Array.from({ length: frames }, (_, t) => pairs[2 * t] + pairs[2 * t + 1]);
}

/** A time as the notice says it: to the microsecond, as outputs write times. */
function seconds(time: number | undefined): string {
  return time === undefined ? 'none' : String(Number(time.toFixed(6)));
}

/**
 * The cache's frame times, used only when every shard records them and they increase strictly
 * across the whole cache. Each shard's times count from its own file's start, so a folder of
 * shards cut from several files repeats them (0…0.93, 0…0.93); a folder mixing a shard without
 * times would mix two clocks. Either way all frames get index / fps, said in the notice.
 * 8 bytes a frame: 10 minutes at 60 fps is 288 KB.
 */
export async function readCacheTimes(source: string, files: SafetensorsFile[], frames: number[]): Promise<CacheTimes> {
  const shards = await Promise.all(files.map((file, i) => readShardTimes(file, frames[i])));
  const timed = shards.filter((s) => s !== undefined);
  if (timed.length === 0) return {};
  const fallback = 'times are index / fps for every frame';
  if (timed.length < shards.length) return { notice: `feature cache ${source}: some shards record frame times and some do not; ${fallback}` };
  const times = new Float64Array(frames.reduce((a, b) => a + b, 0));
  let at = 0;
  for (const shard of timed) {
    times.set(shard, at);
    at += shard.length;
  }
  for (let k = 0; k < times.length; k++) {
    if (!Number.isFinite(times[k]) || (k > 0 && !(times[k] > times[k - 1]))) {
      return { notice: `feature cache ${source}: its recorded frame times do not increase (frame ${k} at ${seconds(times[k])} s after ${seconds(times[k - 1])} s; shards cut from different files each count from their own start); ${fallback}` };
    }
  }
  return { times };
}
