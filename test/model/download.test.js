import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { hostname } from 'node:os';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { downloadFile, explainCacheWriteError } from '../../dist/model/index.js';
import { createExclusively } from '../../dist/model/download-lock.js';
import { getClosedUrl, makeTempDir, makeVideo, models, runCli, startCli, withCacheDir } from '../fixtures.js';

const model = readFileSync(models.tiny);
const sha256 = createHash('sha256').update(model).digest('hex');
let server;
let base;
const requests = [];
// The /hf route serves the Hugging Face layouts by file name, as Xenova/dino-vits16/onnx/ does.
const hfFiles = {
  'model.onnx': readFileSync(models.hfEager),
  'model_fp16.onnx': readFileSync(models.hfFp16),
  'model_quantized.onnx': readFileSync(models.hfInt8),
};

// Routes: /hf serves the file named in the URL; /good serves the model with range support; /drop-once cuts the first response
// half-way; /wrong serves other bytes of the same length; /no-range ignores Range headers; /held sends half of a whole-file
// answer and holds the rest until the test calls releaseHeld() (a download that is still under way); /gzip answers gzipped
// whatever the request accepts, as a mirror with nginx's gzip_types * does.
let dropped = false;
// The /versioned route serves versions[version], and cuts its first answer half-way; a test then publishes another version.
const versions = [model, Buffer.from(model).reverse()];
let version = 0;
let droppedVersion = false;
const stalled = [];
const held = [];
let onHeld = () => {};
function releaseHeld() {
  for (const { res, rest } of held.splice(0)) res.end(rest);
}
// What a captive portal or a misconfigured proxy answers to any URL: a web page, with HTTP 200.
const portalPage = Buffer.from('<!doctype html><html><body>Please log in to the network</body></html>');
before(async () => {
  server = http.createServer((req, res) => {
    requests.push({ url: req.url, range: req.headers.range, encoding: req.headers['accept-encoding'] });
    const route = req.url.split('/')[1];
    if (route === 'missing') {
      res.writeHead(404).end();
      return;
    }
    if (route === 'busy') {
      res.writeHead(503).end();
      return;
    }
    if (route === 'silent') {
      stalled.push(res); // never answers: a server that hangs before its headers
      return;
    }
    const body = route === 'wrong' ? Buffer.alloc(model.length, 7) : route === 'portal' ? portalPage : route === 'hf' ? hfFiles[path.basename(req.url)]
      : route === 'versioned' || route === 'stubborn' ? versions[version] : model;
    // As Hugging Face and its CDN do: a strong ETag per version of the file, and If-Range honoured
    // (a range of another version is never sent: the whole current file is).
    const etag = `"${createHash('sha256').update(body).digest('hex')}"`;
    // /stubborn serves ranges of whatever version it has now, If-Range or not (as some proxies do).
    const sameVersion = req.headers['if-range'] === undefined || req.headers['if-range'] === etag || route === 'stubborn';
    const match = /bytes=(\d+)-/.exec(req.headers.range ?? '');
    if (match && route !== 'no-range' && sameVersion) {
      const start = Number(match[1]);
      if (start >= body.length) {
        // As S3 and CloudFront answer a range past the end: nothing to send, and the length.
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, etag });
      res.end(body.subarray(start));
      return;
    }
    if (route === 'gzip') {
      const encoded = gzipSync(body);
      res.writeHead(200, { 'content-length': encoded.length, 'content-encoding': 'gzip' });
      res.end(encoded);
      return;
    }
    res.writeHead(200, { 'content-length': body.length, ...(route === 'no-validator' ? {} : { etag }) });
    if (route === 'stall') {
      // Headers and half the file, then nothing more: a server that stalled.
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      stalled.push(res);
      return;
    }
    if (route === 'held') {
      const half = Math.floor(body.length / 2);
      res.write(body.subarray(0, half), () => {
        held.push({ res, rest: body.subarray(half) });
        onHeld();
      });
      return;
    }
    if ((route === 'drop-once' && !dropped) || ((route === 'versioned' || route === 'stubborn') && !droppedVersion) || route === 'no-validator') {
      if (route === 'versioned' || route === 'stubborn') droppedVersion = true;
      if (route === 'drop-once') dropped = true;
      // Give the client time to receive the first half before the connection drops.
      res.write(body.subarray(0, Math.floor(body.length / 2)), () => setTimeout(() => res.socket.destroy(), 200));
      return;
    }
    res.end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});
after(() => {
  releaseHeld();
  for (const res of stalled) res.destroy();
  server.close();
});

/** Resolves when the /held route has sent half of an answer and holds the rest. */
function nextHeld() {
  return new Promise((resolve) => (onHeld = resolve));
}

describe('model download', () => {
  it('downloads and verifies a whole file', async () => {
    const target = path.join(makeTempDir(), 'm.onnx');
    await downloadFile({ url: `${base}/good/m.onnx`, target, sha256, size: model.length });
    assert.ok(readFileSync(target).equals(model));
    assert.equal(existsSync(`${target}.partial`), false);
  });

  it('keeps a broken download as .partial (never as the model) and resumes it with a range request', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    await assert.rejects(downloadFile({ url: `${base}/drop-once/m.onnx`, target, sha256 }), /broke off|incomplete/);
    assert.equal(existsSync(target), false, 'a partial download must not be taken for the model');
    const partialSize = readFileSync(`${target}.partial`).length;
    assert.ok(partialSize > 0 && partialSize < model.length);
    requests.length = 0;
    await downloadFile({ url: `${base}/drop-once/m.onnx`, target, sha256 });
    assert.equal(requests[0].range, `bytes=${partialSize}-`);
    assert.ok(readFileSync(target).equals(model));
    assert.deepEqual(readdirSync(dir), ['m.onnx']);
  });

  it('starts over when the server ignores ranges', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    const url = `${base}/no-range/m.onnx`;
    writeFileSync(`${target}.partial`, model.subarray(0, 100));
    writeFileSync(`${target}.partial.validator`, JSON.stringify({ url, validator: `"${sha256}"` }));
    await downloadFile({ url, target, sha256 });
    assert.ok(readFileSync(target).equals(model));
  });

  it('never joins two versions of a file: a partial download of one is not resumed with bytes of the next', async () => {
    // A review: the resume asked for the rest of whatever the URL served by then; the registry's
    // URLs follow a branch and give no checksum, so a file replaced between two runs was cached as
    // the old one's first half and the new one's second, which passed as a model.
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    const url = `${base}/versioned/m.onnx`;
    await assert.rejects(downloadFile({ url, target }), /broke off|incomplete/);
    assert.ok(existsSync(`${target}.partial`));
    version = 1; // published anew meanwhile
    requests.length = 0;
    await downloadFile({ url, target });
    assert.ok(readFileSync(target).equals(versions[1]), 'the cached file mixes two versions');
    assert.deepEqual(readdirSync(dir), ['m.onnx']);
  });

  it('starts over where a server sends the rest of another version, If-Range or not', async () => {
    // A second review: a server (or proxy) that ignores If-Range still joined two versions.
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    const url = `${base}/stubborn/m.onnx`;
    [version, droppedVersion] = [0, false];
    await assert.rejects(downloadFile({ url, target }), /broke off|incomplete/);
    version = 1;
    requests.length = 0;
    await downloadFile({ url, target });
    assert.ok(requests[0].range, 'it did not try to resume');
    assert.ok(readFileSync(target).equals(versions[1]), 'the cached file mixes two versions');
    assert.deepEqual(readdirSync(dir), ['m.onnx']);
  });

  it('a caller\'s signal stops a download at once and keeps what came for a resume, and stops a wait for another run\'s lock', { timeout: 20_000 }, async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    const controller = new AbortController();
    const download = downloadFile({ url: `${base}/held/m.onnx`, target, size: model.length, signal: controller.signal });
    await nextHeld();
    while (!readdirSync(dir).some((name) => name.endsWith('.download') && statSync(path.join(dir, name)).size > 0)) await new Promise((resolve) => setTimeout(resolve, 20));
    controller.abort();
    await assert.rejects(download, { name: 'AbortError' });
    releaseHeld();
    assert.deepEqual(readdirSync(dir).sort(), ['m.onnx.partial', 'm.onnx.partial.validator']);
    // Another run holds the lock: the wait ends with the signal.
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    writeFileSync(`${target}.lock`, JSON.stringify({ pid: holder.pid, host: hostname(), token: 'held' }));
    const waiting = new AbortController();
    const started = Date.now();
    setTimeout(() => waiting.abort(), 300);
    await assert.rejects(downloadFile({ url: `${base}/good/m.onnx`, target, signal: waiting.signal }), { name: 'AbortError' });
    holder.kill('SIGKILL');
    assert.ok(Date.now() - started < 5000, `the wait went on ${Date.now() - started} ms`);
  });

  it('keeps a partial download when the retry fails before the server answers (a signal, offline, a 503)', async () => {
    // A third review: the adopted bytes lost their record at the claim, and a Ctrl-C (or the
    // caller's signal) before the answer deleted them; being offline or a 503 on the retry did too.
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    const half = model.subarray(0, 1000);
    const leave = (url) => {
      writeFileSync(`${target}.partial`, half);
      writeFileSync(`${target}.partial.validator`, JSON.stringify({ url, validator: `"${sha256}"` }));
    };
    const silent = `${base}/silent/m.onnx`;
    leave(silent);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    await assert.rejects(downloadFile({ url: silent, target, signal: controller.signal }), { name: 'AbortError' });
    assert.deepEqual(readdirSync(dir).sort(), ['m.onnx.partial', 'm.onnx.partial.validator']);
    assert.ok(readFileSync(`${target}.partial`).equals(half));
    for (const url of [`${await getClosedUrl()}/m.onnx`, `${base}/busy/m.onnx`]) {
      rmSync(`${target}.partial`);
      leave(url);
      await assert.rejects(downloadFile({ url, target }), /cannot download/);
      assert.deepEqual(readdirSync(dir).sort(), ['m.onnx.partial', 'm.onnx.partial.validator'], url);
    }
    // A signal already aborted stops it before any request, with the caller's reason.
    requests.length = 0;
    const reason = new Error('cancelled by the caller');
    await assert.rejects(downloadFile({ url: `${base}/good/m.onnx`, target: path.join(dir, 'n.onnx'), signal: AbortSignal.abort(reason) }), (error) => error === reason);
    assert.equal(requests.length, 0);
  });

  it('takes a partial download that is already whole (a run stopped while it checked the file) without downloading it again', async () => {
    // A review: the 416 for a range past the end deleted it and the whole file came again.
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    const url = `${base}/good/m.onnx`;
    writeFileSync(`${target}.partial`, model);
    writeFileSync(`${target}.partial.validator`, JSON.stringify({ url, validator: `"${sha256}"` }));
    requests.length = 0;
    await downloadFile({ url, target, sha256 });
    assert.deepEqual(requests.map((r) => r.range), [`bytes=${model.length}-`]);
    assert.ok(readFileSync(target).equals(model));
    assert.deepEqual(readdirSync(dir), ['m.onnx']);
  });

  it('resumes only a partial download whose version it knows (a server validator was kept with it)', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    // Left by a run that kept no validator (an older dino-track, or a server that gave none).
    writeFileSync(`${target}.partial`, model.subarray(0, 1000));
    requests.length = 0;
    await downloadFile({ url: `${base}/good/m.onnx`, target, sha256 });
    assert.equal(requests[0].range, undefined);
    assert.ok(readFileSync(target).equals(model));
    // A server that gives no validator: a broken download of it is not kept, since no run could resume it.
    await assert.rejects(downloadFile({ url: `${base}/no-validator/m.onnx`, target: path.join(dir, 'n.onnx') }), /broke off/);
    assert.deepEqual(readdirSync(dir), ['m.onnx']);
    // One that does: kept, with what it is a prefix of.
    await assert.rejects(downloadFile({ url: `${base}/stall/m.onnx`, target: path.join(dir, 's.onnx'), idleTimeoutMs: 300 }), /broke off/);
    assert.deepEqual(readdirSync(dir).sort(), ['m.onnx', 's.onnx.partial', 's.onnx.partial.validator']);
  });

  it('gives up on a server that stops sending, in one line', { timeout: 20_000 }, async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    await assert.rejects(downloadFile({ url: `${base}/stall/m.onnx`, target, idleTimeoutMs: 300 }), /download of .* broke off after \d+ bytes \(the server sent nothing for 0\.3 s\); run the command again to resume/);
  });

  it('a run whose lock was taken over cannot spoil the file the new holder finished', { timeout: 20_000 }, async () => {
    // A review: a live holder that looked dead (another pid namespace) lost its lock; the new
    // holder finished and renamed the shared .partial to the model, and the first run's bytes,
    // still arriving, were appended to the verified model.
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    const first = downloadFile({ url: `${base}/held/m.onnx`, target, size: model.length });
    await nextHeld();
    // Half is written; the lock is taken from it (as a wrong judgement would) and another run downloads the file whole.
    while (!readdirSync(dir).some((name) => name.startsWith('m.onnx') && !name.endsWith('.lock') && statSync(path.join(dir, name)).size > 0)) await new Promise((resolve) => setTimeout(resolve, 20));
    rmSync(`${target}.lock`);
    await downloadFile({ url: `${base}/good/m.onnx`, target, sha256 });
    assert.ok(readFileSync(target).equals(model));
    releaseHeld();
    await first;
    assert.ok(readFileSync(target).equals(model), `the finished model was changed: ${statSync(target).size} bytes`);
  });

  it('asks for the file unencoded, and takes a gzipped answer whole (its Content-Length counts the encoded bytes)', async () => {
    const target = path.join(makeTempDir(), 'm.onnx');
    requests.length = 0;
    await downloadFile({ url: `${base}/gzip/m.onnx`, target });
    assert.equal(requests[0].encoding, 'identity');
    assert.ok(readFileSync(target).equals(model));
  });

  it('rejects and deletes wrong bytes when the checksum is known', async () => {
    const dir = makeTempDir();
    const target = path.join(dir, 'm.onnx');
    await assert.rejects(downloadFile({ url: `${base}/wrong/m.onnx`, target, sha256 }), /is corrupt \(sha256/);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('reports HTTP errors and creates nothing', async () => {
    const dir = makeTempDir();
    await assert.rejects(downloadFile({ url: `${base}/missing/m.onnx`, target: path.join(dir, 'sub', 'm.onnx') }), /HTTP 404; check the URL/);
    // A server in trouble is not a wrong URL.
    await assert.rejects(downloadFile({ url: `${base}/busy/m.onnx`, target: path.join(dir, 'sub', 'm.onnx') }), /HTTP 503 \(a problem on the server's side\); try again later/);
    assert.deepEqual(readdirSync(dir), []);
  });
});

describe('download lock', () => {
  it('is taken where the file system has no hard links (FAT, exFAT, some network mounts), once', async () => {
    // A review: FAT's EPERM was reported as a cache that is not writable, ENOTSUP raw; no model could be downloaded there.
    // Windows answers EISDIR on FAT and exFAT (libuv's name for ERROR_INVALID_FUNCTION; nodejs/node#65817).
    for (const code of ['EPERM', 'ENOTSUP', 'EISDIR']) {
      const lock = path.join(makeTempDir(), 'm.onnx.lock');
      const noLinks = async () => {
        throw Object.assign(new Error(`${code}: operation not permitted, link`), { code });
      };
      assert.equal(await createExclusively(lock, '{"pid":1}', noLinks), true);
      assert.equal(readFileSync(lock, 'utf8'), '{"pid":1}');
      assert.equal(await createExclusively(lock, '{"pid":2}', noLinks), false, 'a second taker got the lock too');
      assert.deepEqual(readdirSync(path.dirname(lock)), ['m.onnx.lock']);
    }
  });
});

describe('dino-track models pull', () => {
  it('pulls through DINO_TRACK_MODEL_BASE_URL into the cache', async () => {
    const cache = makeTempDir();
    const { code, stdout, stderr } = await runCli(['models', 'pull', 'dino-vits16'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/good` } });
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), path.join(cache, 'models', 'dino-vits16.onnx'));
    assert.ok(readFileSync(stdout.trim()).equals(model));
  });

  it('--precision picks model.onnx, model_fp16.onnx or model_quantized.onnx, cached separately; list shows which are present', async () => {
    const cache = makeTempDir();
    const env = { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/hf` };
    const listed = async () => (await runCli(['models', 'list'], { env })).stdout.split('\n').find((l) => l.startsWith('dino-vits16 ')).split(/\s+/)[4];
    assert.equal(await listed(), 'no');
    for (const [precision, file, fixture, shown] of [
      ['int8', 'dino-vits16-int8.onnx', 'model_quantized.onnx', 'int8'],
      ['fp16', 'dino-vits16-fp16.onnx', 'model_fp16.onnx', 'fp16,int8'],
      ['auto', 'dino-vits16.onnx', 'model.onnx', 'fp32,fp16,int8'],
    ]) {
      requests.length = 0;
      const { code, stdout, stderr } = await runCli(['models', 'pull', 'dino-vits16', '--precision', precision], { env });
      assert.equal(code, 0, stderr);
      assert.equal(requests[0].url, `/hf/Xenova/dino-vits16/resolve/main/onnx/${fixture}`);
      assert.equal(stdout.trim(), path.join(cache, 'models', file));
      assert.ok(readFileSync(stdout.trim()).equals(hfFiles[fixture]));
      assert.equal(await listed(), shown);
    }
  });

  it('track --precision int8 runs the cached int8 file of the default model (offline)', async () => {
    const cache = makeTempDir();
    const work = makeTempDir();
    const pulled = await runCli(['models', 'pull', 'dino-vits16', '--precision', 'int8'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/hf` } });
    assert.equal(pulled.code, 0, pulled.stderr);
    const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 5, seconds: 1 });
    const env = { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: await getClosedUrl() };
    const args = [video, '--short-side', '96', '--device', 'cpu'];
    const int8 = await runCli([...args, '-o', path.join(work, 'int8.mp4'), '--precision', 'int8'], { env });
    assert.equal(int8.code, 0, int8.stderr);
    // fp32 is another file: not cached, so offline it fails naming model.onnx.
    const fp32 = await runCli([...args, '-o', path.join(work, 'fp32.mp4'), '--precision', 'fp32'], { env });
    assert.equal(fp32.code, 1);
    assert.match(fp32.stderr, /cannot download .*\/onnx\/model\.onnx/);
    // …and names the copy that is there (a first-time user's trial: only fp16 was cached, and the line said nothing of it).
    assert.match(fp32.stderr, /or use the int8 copy already cached \(--precision int8\), or pass --model PATH\.onnx/);
  });

  it('offline, the advice to pull again keeps the precision asked for', async () => {
    const env = { DINO_TRACK_CACHE: makeTempDir(), DINO_TRACK_MODEL_BASE_URL: await getClosedUrl() };
    const { code, stderr } = await runCli(['models', 'pull', 'dino-vits16', '--precision', 'int8'], { env });
    assert.equal(code, 1);
    assert.match(stderr, /run `dino-track models pull dino-vits16 --precision int8` again/);
  });

  it('deletes a pulled file that is not a ViT model', async () => {
    const cache = makeTempDir();
    const { code, stderr } = await runCli(['models', 'pull', 'dino-vits8'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/wrong` } });
    assert.equal(code, 1);
    assert.match(stderr, /not (a readable ONNX model|an ONNX model|look like a DINO ViT)/);
    assert.equal(existsSync(path.join(cache, 'models', 'dino-vits8.onnx')), false);
  });

  it('never caches a web page answered for the model: track fails once, in one line, and the next run downloads again', async () => {
    const cache = makeTempDir();
    const video = makeVideo(path.join(makeTempDir(), 'v.mp4'), { width: 64, height: 48, fps: 10, seconds: 0.3 });
    const out = path.join(makeTempDir(), 'o');
    const first = await runCli([video, '-o', out, '--format', 'davis', '--precision', 'fp32'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/portal` } });
    assert.equal(first.code, 1);
    assert.equal(first.stderr.trim().split('\n').length, 1, first.stderr);
    assert.match(first.stderr, /is not what was asked for \(.*not a readable ONNX model.*\); it was deleted: check DINO_TRACK_MODEL_BASE_URL/);
    // Nothing cached, not even the folder the download made.
    assert.deepEqual(readdirSync(cache), []);
    const fixed = await runCli(['models', 'pull', 'dino-vits16', '--precision', 'fp32'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/hf` } });
    assert.equal(fixed.code, 0, fixed.stderr);
  });

  it('models pull replaces a cached file that is not a model in one go (an older version may have kept one), which track names', async () => {
    const cache = makeTempDir();
    mkdirSync(path.join(cache, 'models'));
    const cached = path.join(cache, 'models', 'dino-vits16.onnx');
    writeFileSync(cached, portalPage);
    const video = makeVideo(path.join(makeTempDir(), 'v.mp4'), { width: 64, height: 48, fps: 10, seconds: 0.3 });
    const tracked = await runCli([video, '-o', path.join(makeTempDir(), 'o'), '--format', 'davis', '--precision', 'fp32'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/hf` } });
    assert.equal(tracked.code, 1);
    assert.match(tracked.stderr, /dino-vits16\.onnx is not a readable ONNX model \(.*\); run `dino-track models pull dino-vits16` to download it again\n$/);
    const pulled = await runCli(['models', 'pull', 'dino-vits16', '--precision', 'fp32'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/hf` } });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stderr, /is not a readable model; downloading it again/);
    assert.ok(readFileSync(cached).equals(hfFiles['model.onnx']));
  });

  it('a full disk under the cache names the cache and DINO_TRACK_CACHE, not -o (which models pull does not have)', async () => {
    // The 24th session: a cache with no room left before the first byte (the lock, the download's record) said
    // "free some space or choose another -o".
    const cache = makeTempDir();
    await withCacheDir(cache, () => {
      for (const code of ['ENOSPC', 'EDQUOT']) {
        const explained = explainCacheWriteError(Object.assign(new Error(`${code}: no space left on device, write`), { code }));
        assert.equal(explained.message, `no space left in the model cache ${cache} (${code}); free some space, or set DINO_TRACK_CACHE to a folder on a larger disk`);
      }
    });
  });

  describe('on a disk that is already full', () => {
    const mount = makeTempDir();
    let mounted = false;
    before(() => {
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mount], { stdio: 'ignore' });
        mounted = true;
        // Fill it: a write past the end fails, and what it wrote stays.
        spawnSync('dd', ['if=/dev/zero', `of=${path.join(mount, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
      } catch {
        // Not root (or no mount in this container): the case cannot be staged here.
      }
    });
    after(() => mounted && execFileSync('umount', [mount]));
    it('models pull: one line naming the cache, exit 1', async (t) => {
      if (!mounted) return t.skip('needs a small tmpfs (run as root)');
      const { code, stderr } = await runCli(['models', 'pull', 'dino-vits16'], { env: { DINO_TRACK_CACHE: mount, DINO_TRACK_MODEL_BASE_URL: `${base}/good` } });
      assert.equal(code, 1);
      assert.equal(stderr, `dino-track: error: no space left in the model cache ${mount} (ENOSPC); free some space, or set DINO_TRACK_CACHE to a folder on a larger disk\n`);
      // Nothing of the run is left: not the lock's temporary file (it was), not the folder it made.
      assert.deepEqual(readdirSync(mount), ['filler']);
    });
  });

  it('offline: one line naming the URL, exit 1, nothing left in the cache', async () => {
    const cache = makeTempDir();
    const offline = await getClosedUrl();
    const { code, stderr } = await runCli(['models', 'pull', 'dino-vits16'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: offline } });
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.ok(stderr.startsWith(`dino-track: error: cannot download ${offline}/Xenova/dino-vits16/resolve/main/onnx/model.onnx (ECONNREFUSED)`), stderr);
    // Advice for this command, not track's --model.
    assert.match(stderr, /check the network, then run `dino-track models pull dino-vits16` again/);
    assert.doesNotMatch(stderr, /--model/);
    assert.deepEqual(readdirSync(cache), []);
  });

  it('two pulls of one model at once: one downloads, the other says it waits and then uses the finished file', { timeout: 60_000 }, async () => {
    const env = { DINO_TRACK_CACHE: makeTempDir(), DINO_TRACK_MODEL_BASE_URL: `${base}/held` };
    requests.length = 0;
    const first = startCli(['models', 'pull', 'dino-vits16', '--progress', 'none'], { env });
    await nextHeld();
    // The first download is under way; the second run starts now and either waits or (as it did) downloads the same file again.
    const second = startCli(['models', 'pull', 'dino-vits16', '--progress', 'none'], { env });
    await Promise.race([second.waitFor('waiting for another dino-track'), nextHeld(), second.closed]);
    releaseHeld();
    const results = await Promise.all([first.closed, second.closed]);
    releaseHeld();
    assert.deepEqual(results.map((r) => r.code), [0, 0], first.stderr() + second.stderr());
    assert.match(second.stderr(), /waiting for another dino-track \(pid \d+\) to finish downloading .*dino-vits16\.onnx/);
    assert.equal(requests.length, 1, 'the model was downloaded twice');
    const cached = path.join(env.DINO_TRACK_CACHE, 'models', 'dino-vits16.onnx');
    assert.ok(readFileSync(cached).equals(model));
    assert.deepEqual(readdirSync(path.dirname(cached)), ['dino-vits16.onnx']);
  });

  it('takes over the lock of a run that died and resumes its partial download', async () => {
    const cache = makeTempDir();
    const cached = path.join(cache, 'models', 'dino-vits16.onnx');
    mkdirSync(path.dirname(cached));
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${cached}.lock`, JSON.stringify({ pid: dead, host: hostname(), token: 'died' }));
    writeFileSync(`${cached}.partial`, model.subarray(0, 1000));
    writeFileSync(`${cached}.partial.validator`, JSON.stringify({ url: `${base}/good/Xenova/dino-vits16/resolve/main/onnx/model.onnx`, validator: `"${sha256}"` }));
    requests.length = 0;
    const { code, stderr } = await runCli(['models', 'pull', 'dino-vits16'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/good` } });
    assert.equal(code, 0, stderr);
    assert.equal(requests[0].range, 'bytes=1000-');
    assert.ok(readFileSync(cached).equals(model));
    assert.deepEqual(readdirSync(path.dirname(cached)), ['dino-vits16.onnx']);
  });

  /**
   * A pull started while a live process on this host (a child that only sleeps) holds the lock;
   * resolves once it says it waits, or once it ends without waiting (`waited` false).
   */
  async function pullWhileLocked(lockAgeMs, lockFields = {}) {
    const cache = makeTempDir();
    const cached = path.join(cache, 'models', 'dino-vits16.onnx');
    mkdirSync(path.dirname(cached));
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    writeFileSync(`${cached}.lock`, JSON.stringify({ pid: holder.pid, host: hostname(), token: 'held', ...lockFields }));
    const touched = new Date(Date.now() - lockAgeMs);
    utimesSync(`${cached}.lock`, touched, touched);
    requests.length = 0;
    const pull = startCli(['models', 'pull', 'dino-vits16', '--progress', 'none'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/good` } });
    let ended = false;
    pull.closed.then(() => (ended = true));
    // Bounded by the test's timeout.
    while (!ended && !/waiting for another dino-track \(pid \d+\)/.test(pull.stderr())) await new Promise((resolve) => setTimeout(resolve, 50));
    return { cached, holder, pull, waited: !ended };
  }

  it('waits for a live holder on this host however long since it touched its lock (Ctrl-Z, a laptop asleep), and takes over once it is gone', { timeout: 60_000 }, async () => {
    // A review: a holder stopped for over a minute was judged stale, and two runs wrote one partial file.
    const { cached, holder, pull, waited } = await pullWhileLocked(5 * 60_000);
    assert.ok(waited, `it did not wait for the live run: ${pull.stderr()}`);
    assert.equal(requests.length, 0, 'it downloaded while a live run held the lock');
    holder.kill('SIGKILL');
    const { code } = await pull.closed;
    assert.equal(code, 0, pull.stderr());
    assert.ok(readFileSync(cached).equals(model));
  });

  it('takes over a lock whose pid now names another process (the holder was killed and its pid reused)', { timeout: 60_000 }, async () => {
    // A second review: a waiter waited forever on a reused pid (pid 1 in a container is always alive).
    const { cached, holder, pull, waited } = await pullWhileLocked(0, { started: 1 });
    holder.kill('SIGKILL');
    assert.equal(waited, false, `it waited for an unrelated process: ${pull.stderr()}`);
    const { code } = await pull.closed;
    assert.equal(code, 0, pull.stderr());
    assert.ok(readFileSync(cached).equals(model));
  });

  it('waits for a holder in another pid namespace (a container sharing the cache) while it touches its lock, whatever its pid names here', { timeout: 60_000 }, async () => {
    // A review: a live holder in another container with the same host name looked dead by its
    // pid here; its lock was taken over, and its bytes were then written onto the finished model.
    const cache = makeTempDir();
    const cached = path.join(cache, 'models', 'dino-vits16.onnx');
    mkdirSync(path.dirname(cached));
    const deadHere = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(`${cached}.lock`, JSON.stringify({ pid: deadHere, host: hostname(), pidns: 'pid:[1]', token: 'elsewhere' }));
    requests.length = 0;
    const pull = startCli(['models', 'pull', 'dino-vits16', '--progress', 'none'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/good` } });
    await Promise.race([pull.waitFor('waiting for another dino-track'), pull.closed]);
    assert.equal(requests.length, 0, `it downloaded while the holder was still at work: ${pull.stderr()}`);
    // Its heartbeat stops (it died there): a minute later the lock is stale, as one from another host is.
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(`${cached}.lock`, old, old);
    const { code } = await pull.closed;
    assert.equal(code, 0, pull.stderr());
    assert.ok(readFileSync(cached).equals(model));
  });

  it('a waiting run carries on when the run it waited for failed and removed the folder it had made', { timeout: 60_000 }, async () => {
    // A review: the holder's download failed (a 404) and it removed models/, which it had made;
    // the waiter then failed with a raw ENOENT on its own lock file.
    const { cached, holder, pull, waited } = await pullWhileLocked(0);
    assert.ok(waited, pull.stderr());
    rmSync(path.dirname(cached), { recursive: true });
    holder.kill('SIGKILL');
    const { code } = await pull.closed;
    assert.equal(code, 0, pull.stderr());
    assert.ok(readFileSync(cached).equals(model));
  });

  it('Ctrl-C during a pull keeps the partial download, and the next pull resumes it with a range request', { timeout: 60_000 }, async () => {
    const cache = makeTempDir();
    const partial = path.join(cache, 'models', 'dino-vits16.onnx.partial');
    const pull = startCli(['models', 'pull', 'dino-vits16', '--progress', 'none'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/held` } });
    await nextHeld();
    // Half the model is sent; wait (bounded by the test's timeout) until some of it is on disk, in the run's own file.
    const inFolder = () => (existsSync(path.dirname(partial)) ? readdirSync(path.dirname(partial)) : []);
    while (!inFolder().some((name) => name.endsWith('.download') && statSync(path.join(path.dirname(partial), name)).size > 0)) await new Promise((resolve) => setTimeout(resolve, 50));
    pull.child.kill('SIGINT');
    const { code } = await pull.closed;
    releaseHeld();
    assert.equal(code, 130, pull.stderr());
    assert.ok(existsSync(partial), 'Ctrl-C deleted the partial download');
    const kept = statSync(partial).size;
    assert.ok(kept > 0 && kept < model.length, `partial of ${kept} bytes`);
    assert.match(pull.stderr(), /interrupted by SIGINT; .*the download in .*dino-vits16\.onnx\.partial is kept: the next run resumes it/);
    requests.length = 0;
    // The same URL (a partial download is resumed only from where it came); the route answers ranges whole.
    const resumed = await runCli(['models', 'pull', 'dino-vits16'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/held` } });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(requests[0].range, `bytes=${kept}-`);
    assert.ok(readFileSync(path.join(cache, 'models', 'dino-vits16.onnx')).equals(model));
  });

  it('a pull killed outright (SIGKILL, a closed terminal) is resumed by the next one', { timeout: 60_000 }, async () => {
    // A second review: the bytes were in the killed run's own file with no record of their
    // version, and the next run deleted them and started from zero.
    const cache = makeTempDir();
    const folder = path.join(cache, 'models');
    const pull = startCli(['models', 'pull', 'dino-vits16', '--progress', 'none'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/held` } });
    await nextHeld();
    // The route sent half the file and holds the rest: wait (bounded by the test's timeout) until all of that half is on disk.
    const kept = Math.floor(model.length / 2);
    const ownFile = () => (existsSync(folder) ? readdirSync(folder) : []).find((name) => name.endsWith('.download') && statSync(path.join(folder, name)).size === kept);
    while (!ownFile()) await new Promise((resolve) => setTimeout(resolve, 50));
    pull.child.kill('SIGKILL');
    await pull.closed;
    releaseHeld();
    requests.length = 0;
    const resumed = await runCli(['models', 'pull', 'dino-vits16'], { env: { DINO_TRACK_CACHE: cache, DINO_TRACK_MODEL_BASE_URL: `${base}/held` } });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(requests[0].range, `bytes=${kept}-`);
    assert.ok(readFileSync(path.join(folder, 'dino-vits16.onnx')).equals(model));
    assert.deepEqual(readdirSync(folder), ['dino-vits16.onnx']);
  });

  it('an unknown name lists the known ones, exit 2', async () => {
    const { code, stderr } = await runCli(['models', 'pull', 'dino-vitx']);
    assert.equal(code, 2);
    assert.match(stderr, /Expected a model name \(dino-vits16, dino-vits8, dino-vitb16, dino-vitb8\) for NAME but received "dino-vitx"/);
    assert.doesNotMatch(stderr, /--model/);
  });
});
