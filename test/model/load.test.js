import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { getPreparedModelPath, preparationVersion } from '../../dist/model/index.js';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

describe('prepared-model cache key', () => {
  it('includes the preparation version, the size and the source digest', () => {
    process.env.DINO_TRACK_CACHE = makeTempDir('dino-track-cache-');
    const bytes = readFileSync(models.tiny);
    const file = path.basename(getPreparedModelPath(bytes, 96, 128));
    assert.equal(file, `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}-prep${preparationVersion}-96x128.onnx`);
    assert.notEqual(getPreparedModelPath(bytes, 96, 128), getPreparedModelPath(bytes, 128, 96));
    assert.notEqual(getPreparedModelPath(bytes, 96, 128), getPreparedModelPath(Buffer.concat([bytes, Buffer.from([0])]), 96, 128));
  });

  it('never reuses a graph prepared by older code (cached under the key without a version)', async () => {
    const cache = makeTempDir('dino-track-cache-');
    const dir = makeTempDir();
    const digest = createHash('sha256').update(readFileSync(models.hfFp16)).digest('hex').slice(0, 16);
    mkdirSync(path.join(cache, 'prepared'));
    // What the code before preparation versions would find and load: not a usable graph.
    const stale = path.join(cache, 'prepared', `${digest}-96x128.onnx`);
    writeFileSync(stale, 'graph prepared by an older dino-track');
    const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 5, seconds: 1 });
    const { code, stderr } = await runCli([video, '-o', path.join(dir, 'out.mp4'), '--model', models.hfFp16, '--short-side', '96', '--device', 'cpu', '--verbose'], { env: { DINO_TRACK_CACHE: cache } });
    assert.equal(code, 0, stderr);
    assert.match(stderr, new RegExp(`prepared model written to .*-prep${preparationVersion}-96x128\\.onnx`));
    assert.deepEqual(readdirSync(path.join(cache, 'prepared')).sort(), [`${digest}-96x128.onnx`, `${digest}-prep${preparationVersion}-96x128.onnx`]);
  });
});

describe('a damaged prepared copy in the cache', () => {
  for (const [damage, cut] of [['cut short', (bytes) => bytes.subarray(0, Math.floor(bytes.length / 2))], ['emptied', () => Buffer.alloc(0)]]) {
    it(`${damage}: said in one line and prepared again, and the run goes on`, async () => {
      const cache = makeTempDir('dino-track-cache-');
      const dir = makeTempDir();
      const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 5, seconds: 1 });
      const run = (name) => runCli([video, '-o', path.join(dir, name), '--format', 'ndjson', '--model', models.tiny, '--short-side', '96', '--device', 'cpu'], { env: { DINO_TRACK_CACHE: cache } });
      const first = await run('a');
      assert.equal(first.code, 0, first.stderr);
      const [name] = readdirSync(path.join(cache, 'prepared'));
      const prepared = path.join(cache, 'prepared', name);
      const whole = readFileSync(prepared);
      writeFileSync(prepared, cut(whole));
      const second = await run('b');
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, new RegExp(`the cached prepared model ${prepared} is damaged; preparing it again`));
      assert.ok(readFileSync(prepared).equals(whole), 'the damaged copy was not replaced');
      assert.deepEqual(readFileSync(path.join(dir, 'b', 'tracks.ndjson'), 'utf8'), readFileSync(path.join(dir, 'a', 'tracks.ndjson'), 'utf8'));
    });
  }
});
