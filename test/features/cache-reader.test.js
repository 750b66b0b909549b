import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createFeatureCacheWriter, openFeatureCache } from '../../dist/features/index.js';
import { makeTempDir } from '../fixtures.js';

const shape = { rows: 2, cols: 3, dim: 4, heads: 2 };

/** A shard of `frames` frames whose every value is its video frame index (first + t); `time(t)` the time it records for frame t, if given. */
async function writeShard(file, first, frames, time) {
  const writer = createFeatureCacheWriter(file, { patch_size: 16, frame_width: 48, frame_height: 32, fps: 10, model: 'test' });
  for (let t = 0; t < frames; t++) {
    const value = first + t;
    await writer.write({ index: t, ...shape, clsAttention: new Float32Array(2 * 6).fill(value), patchTokens: new Float32Array(6 * 4).fill(value) }, time?.(t));
  }
  await writer.finish();
}

/** A folder of two shards: frames 0-2 in a.safetensors, 3-6 in b.safetensors. */
async function makeTwoShards() {
  const dir = path.join(makeTempDir(), 'shards');
  mkdirSync(dir);
  await writeShard(path.join(dir, 'a.safetensors'), 0, 3);
  await writeShard(path.join(dir, 'b.safetensors'), 3, 4);
  return dir;
}

describe('feature cache: random access', () => {
  it('readFrame(k) gives the frame frames() gives k-th, across shards, and refuses an index outside', async () => {
    const dir = await makeTwoShards();
    const cache = await openFeatureCache(dir);
    try {
      assert.equal(cache.info.frames, 7);
      for (const k of [6, 0, 3, 2, 5]) {
        const frame = await cache.readFrame(k);
        assert.equal(frame.index, k);
        assert.ok(frame.patchTokens.every((v) => v === k), `frame ${k}`);
        assert.ok(frame.clsAttention.every((v) => v === k), `frame ${k}`);
      }
      await assert.rejects(cache.readFrame(7), /outside the feature cache/);
      // A time or a fraction is no frame: said so, not 'outside' a range it lies in.
      await assert.rejects(cache.readFrame(1.5), { name: 'RangeError', message: 'frame 1.5 is not a frame index; give a whole number from 0 to 6' });
      await assert.rejects(cache.readFrame(NaN), { name: 'RangeError', message: 'frame NaN is not a frame index; give a whole number from 0 to 6' });
      // A first-time user: the string "3" read as 'frame 3 is not a frame index'.
      await assert.rejects(cache.readFrame('3'), { name: 'RangeError', message: 'frame "3" (a string) is not a frame index; give a whole number from 0 to 6' });
    } finally {
      await cache.close();
    }
  });

  it('says a closed cache is closed, and a path that is not one is not one (a library caller\'s mistakes)', async () => {
    // A first-time user: readFrame after close() gave "file closed"; openFeatureCache(5) "feature cache 5 does not exist (ERR_INVALID_ARG_TYPE)".
    const dir = await makeTwoShards();
    const cache = await openFeatureCache(dir);
    await cache.close();
    await assert.rejects(cache.readFrame(0), { message: `the feature cache ${dir} is closed; open it again to read frames` });
    // A second trial: frames() after close() still said "file closed".
    await assert.rejects(cache.frames().next(), { message: `the feature cache ${dir} is closed; open it again to read frames` });
    await assert.rejects(openFeatureCache(5), { name: 'UsageError', message: "Expected a feature cache's path for openFeatureCache() but received 5" });
  });
});

describe('feature cache: the file', () => {
  it('pads the header to 8 bytes when the metadata holds non-ASCII text (a model path with accents)', async () => {
    // A review: the padding counted characters, the header length is in bytes (418 bytes, 418 % 8 = 2).
    const file = path.join(makeTempDir(), 'accents.safetensors');
    const writer = createFeatureCacheWriter(file, { patch_size: 16, frame_width: 48, frame_height: 32, fps: 10, model: '/home/zoë/modèle-ü.onnx' });
    await writer.write({ index: 0, ...shape, clsAttention: new Float32Array(12), patchTokens: new Float32Array(24) });
    await writer.finish();
    const bytes = readFileSync(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    assert.equal(headerLength % 8, 0, `header of ${headerLength} bytes`);
    assert.equal(JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')).__metadata__.model, '/home/zoë/modèle-ü.onnx');
    const cache = await openFeatureCache(file);
    assert.equal(cache.info.model, '/home/zoë/modèle-ü.onnx');
    await cache.close();
  });
});

describe('feature cache: a folder of shards', () => {
  it('skips hidden files: a hidden shard is not read, and a macOS AppleDouble ._ file does not fail the run', async () => {
    const dir = await makeTwoShards();
    // A valid shard, hidden (say an unfinished write of ours): once read as frames 0-1.
    await writeShard(path.join(dir, '.hidden.safetensors'), 100, 2);
    // What macOS writes beside b.safetensors on a FAT or SMB disk: 4 KiB of metadata, no safetensors header.
    writeFileSync(path.join(dir, '._b.safetensors'), Buffer.concat([Buffer.from([0, 5, 22, 7, 0, 2, 0, 0]), Buffer.from('Mac OS X        '), Buffer.alloc(4072)]));
    const cache = await openFeatureCache(dir);
    try {
      assert.equal(cache.info.frames, 7);
      const values = [];
      for await (const frame of cache.frames()) values.push(frame.patchTokens[0]);
      assert.deepEqual(values, [0, 1, 2, 3, 4, 5, 6]);
    } finally {
      await cache.close();
    }
  });

  it('a folder holding only hidden shards is refused in one line, saying they are skipped', async () => {
    const dir = path.join(makeTempDir(), 'hidden-only');
    mkdirSync(dir);
    await writeShard(path.join(dir, '.a.safetensors'), 0, 2);
    await assert.rejects(openFeatureCache(dir), /holds no \.safetensors files \(hidden ones, named \.\*, are skipped\); check --features/);
  });
});

describe('feature cache: recorded frame times across shards', () => {
  /** The times readTime gives for every frame of a folder of shards, and the cache's notice. */
  async function readTimes(shards) {
    const dir = path.join(makeTempDir(), 'timed');
    mkdirSync(dir);
    let first = 0;
    for (const [name, frames, time] of shards) {
      await writeShard(path.join(dir, name), first, frames, time);
      first += frames;
    }
    const cache = await openFeatureCache(dir);
    try {
      const times = [];
      for (let k = 0; k < cache.info.frames; k++) times.push(await cache.readTime(k));
      return { times, notice: cache.timeNotice };
    } finally {
      await cache.close();
    }
  }

  it('uses them when every shard has them and they increase across the cache', async () => {
    const { times, notice } = await readTimes([['a.safetensors', 2, (t) => 0.5 + t / 8], ['b.safetensors', 2, (t) => 0.75 + t / 8]]);
    assert.deepEqual(times, [0.5, 0.625, 0.75, 0.875]);
    assert.equal(notice, undefined);
  });

  it('gives none, with a notice, when each shard counts from its own file\'s start (times repeat)', async () => {
    const { times, notice } = await readTimes([['a.safetensors', 3, (t) => t / 10], ['b.safetensors', 2, (t) => t / 10]]);
    assert.deepEqual(times, [undefined, undefined, undefined, undefined, undefined]);
    assert.match(notice, /recorded frame times do not increase \(frame 3 at 0 s after 0\.2 s;.*times are index \/ fps for every frame/);
  });

  it('gives none, with a notice, when an old shard without times sits beside a new one', async () => {
    const { times, notice } = await readTimes([['a.safetensors', 2], ['b.safetensors', 2, (t) => 0.2 + t / 10]]);
    assert.deepEqual(times, [undefined, undefined, undefined, undefined]);
    assert.match(notice, /some shards record frame times and some do not; times are index \/ fps for every frame/);
  });

  it('gives none and says nothing when no shard has times (a cache saved before they were recorded)', async () => {
    const { times, notice } = await readTimes([['a.safetensors', 2], ['b.safetensors', 1]]);
    assert.deepEqual(times, [undefined, undefined, undefined]);
    assert.equal(notice, undefined);
  });
});

describe('feature cache: damaged values', () => {
  it('refuses a frame holding NaN or infinity, naming the file, frame and tensor (it erased objects silently)', async () => {
    const file = path.join(makeTempDir(), 'nan.safetensors');
    const writer = createFeatureCacheWriter(file, { patch_size: 16, frame_width: 48, frame_height: 32, fps: 10, model: 'test' });
    for (let t = 0; t < 3; t++) {
      const clsAttention = new Float32Array(2 * 6).fill(0.1);
      const patchTokens = new Float32Array(6 * 4).fill(1);
      if (t === 1) patchTokens[5] = Number.NaN;
      if (t === 2) clsAttention[3] = Number.POSITIVE_INFINITY;
      await writer.write({ index: t, ...shape, clsAttention, patchTokens });
    }
    await writer.finish();
    const cache = await openFeatureCache(file);
    try {
      assert.equal((await cache.readFrame(0)).patchTokens[0], 1);
      await assert.rejects(cache.readFrame(1), /nan\.safetensors: frame 1 has NaN values in patch_tokens; the feature cache is damaged .*save it again with --save-features/);
      await assert.rejects(cache.readFrame(2), /frame 2 has infinite values in cls_attn/);
      const seen = [];
      await assert.rejects(async () => { for await (const frame of cache.frames()) seen.push(frame.index); }, /frame 1 has NaN/);
      assert.deepEqual(seen, [0]);
    } finally {
      await cache.close();
    }
  });
});

describe('non-finite features where they are made', () => {
  it('a float16 cache refuses a value it cannot hold (it was saved as infinity), pointing to f32', async () => {
    const file = path.join(makeTempDir(), 'big.safetensors');
    const writer = createFeatureCacheWriter(file, { patch_size: 16, frame_width: 48, frame_height: 32, fps: 10, model: 'test' }, 'F16');
    await writer.write({ index: 0, ...shape, clsAttention: new Float32Array(12).fill(0.1), patchTokens: new Float32Array(24).fill(1) });
    const patchTokens = new Float32Array(24).fill(1);
    patchTokens[7] = 70000;
    await assert.rejects(writer.write({ index: 1, ...shape, clsAttention: new Float32Array(12).fill(0.1), patchTokens }), /frame 1: a value of its patch tokens, 70000, is beyond float16's range \(±65504\); save the features with --features-dtype f32/);
    await writer.abort();
  });

  it('a model output holding NaN stops the run at that batch, naming its frames and what to try', async () => {
    const { checkModelOutput } = await import('../../dist/source-frames.js');
    const ok = { clsAttention: new Float32Array(12).fill(0.1), patchTokens: new Float32Array(24).fill(1) };
    assert.doesNotThrow(() => checkModelOutput(ok, [4, 5]));
    const bad = { ...ok, patchTokens: Float32Array.from(ok.patchTokens, (x, i) => (i === 20 ? Number.NaN : x)) };
    assert.throws(() => checkModelOutput(bad, [4, 5]), /the model gave NaN patch tokens for frames 4-5; it overflowed or is damaged: try --precision fp32 or another --model/);
  });
});
