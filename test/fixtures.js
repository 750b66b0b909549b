// Every fixture the tests use, named in one place.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { pngChunk as chunk } from '../dist/export/indexed-png.js';
import { onnx } from '../dist/model/onnx-graph.js';
import { getFfmpegBinaries } from '../dist/video/index.js';

// Sessions the tests open in-process start no onnxruntime telemetry (the CLI opts out by itself, see src/cli/telemetry.ts).
process.env.ORT_DISABLE_TELEMETRY ??= '1';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cli = path.join(root, 'bin', 'dino-track.js');

export const models = {
  /** Official-style tiny ViT (patch 16, D 48, 3 heads): 224 input, CLS output only. */
  tiny: path.join(root, 'fixtures/models/tiny-p16.onnx'),
  /** The same weights exported with cls_attn/patch_tokens at 96x128. */
  tinyPrepared: path.join(root, 'fixtures/models/tiny-p16-prepared-96x128.onnx'),
  confP16: path.join(root, 'fixtures/models/conf-p16-h6.onnx'),
  /** Official-style ViT with DINO's architecture (patch 16, D 48, 3 blocks, 6 heads) and designed weights: attends coloured objects over a muted background (fixtures/generate_designed_vit.py). */
  designed: path.join(root, 'fixtures/models/designed-p16.onnx'),
  confP8: path.join(root, 'fixtures/models/conf-p8-h12.onnx'),
  /** Tiny transformers ViT as optimum exports it (Hugging Face layout), eager attention. */
  hfEager: path.join(root, 'fixtures/models/hf-tiny/model-eager.onnx'),
  /** The same weights with SDPA attention. */
  hfSdpa: path.join(root, 'fixtures/models/hf-tiny/model-sdpa.onnx'),
  /** hfEager dynamically quantized to int8 with transformers.js' settings. */
  hfInt8: path.join(root, 'fixtures/models/hf-tiny/model_quantized.onnx'),
  /** hfInt8 as onnxruntime saves it optimized: com.microsoft DynamicQuantizeMatMul, MatMulIntegerToFloat, fused norms. */
  hfInt8Fused: path.join(root, 'fixtures/models/hf-tiny/model_quantized-ort-fused.onnx'),
  /** hfEager with float16 weights and float32 input/output. */
  hfFp16: path.join(root, 'fixtures/models/hf-tiny/model_fp16.onnx'),
  /** hfEager with 4-bit weight products (com.microsoft MatMulNBits), transformers.js' q4. */
  hfQ4: path.join(root, 'fixtures/models/hf-tiny/model_q4.onnx'),
  /** hfFp16 with 4-bit weight products, transformers.js' q4f16. */
  hfQ4f16: path.join(root, 'fixtures/models/hf-tiny/model_q4f16.onnx'),
  /** hfSdpa exported as torch >= 2.9 does by default (dynamo=True): IR 10, metadata_props on every node, a NaN guard after each softmax; 224x224, batch 1 only. */
  hfDynamo: path.join(root, 'fixtures/models/hf-tiny/model-dynamo.onnx'),
  /** hfEager statically quantized to int8 in QDQ form (onnxruntime's quantize_static): refused. */
  hfQdq: path.join(root, 'fixtures/models/hf-tiny/model_qdq.onnx'),
  /** transformers' Dinov2Model (patch 14, D 48, one block), position embeddings resized inside the graph: refused (fixtures/generate_dinov2.py). */
  dinov2: path.join(root, 'fixtures/models/dinov2-tiny.onnx'),
};

/** The Hugging Face layouts of one tiny model: [fixture, precision]. */
export const hfLayouts = [
  ['hfEager', 'fp32'], ['hfSdpa', 'fp32'], ['hfInt8', 'int8'], ['hfInt8Fused', 'int8'], ['hfFp16', 'fp16'],
].map(([model, precision]) => ({ model, precision, file: models[model] }));

/** PyTorch references for the Hugging Face layouts (all from the fp32 weights). */
export const hfReferences = ['80x112', '112x64'].map((size) => ({ size, file: path.join(root, `fixtures/reference/hf-tiny-${size}.safetensors`) }));

/** PyTorch reference for hfDynamo, at the one size it takes (batch 1). */
export const hfDynamoReference = path.join(root, 'fixtures/reference/hf-tiny-dynamo-224x224.safetensors');

/** PyTorch reference outputs: [model, HxW, file]. */
export const references = [
  ['confP16', '96x160', 'fixtures/reference/conf-p16-h6-96x160.safetensors'],
  ['confP16', '208x144', 'fixtures/reference/conf-p16-h6-208x144.safetensors'],
  ['confP8', '64x104', 'fixtures/reference/conf-p8-h12-64x104.safetensors'],
  ['confP8', '120x80', 'fixtures/reference/conf-p8-h12-120x80.safetensors'],
  ['tiny', '96x128', 'fixtures/reference/tiny-p16-96x128.safetensors'],
].map(([model, size, file]) => ({ model, size, file: path.join(root, file) }));

/**
 * ONNX model bytes with one field an IR 8 schema does not know appended: ModelProto
 * field 26 (IR 11's device configurations), length-delimited, three bytes.
 */
export function withNewerField(bytes) {
  const field = 26;
  const lengthDelimited = 2;
  return Buffer.concat([Buffer.from(bytes), Buffer.from([((field << 3) | lengthDelimited) & 0x7f | 0x80, (field << 3) >> 7, 3, 1, 2, 3])]);
}

/**
 * Puts a classification head on a model whose output is its CLS token [B, 48] (`tiny`), in
 * place: `Gemm` as ViTForImageClassification exports its Linear (weight [10, 48], transB),
 * or `MatMul` (weight [48, 10]). The output becomes `logits` [B, 10].
 */
export function addClassifierHead(model, opType = 'Gemm') {
  const { graph } = model;
  const float = onnx.TensorProto.DataType.FLOAT;
  const features = graph.output[0].name;
  const gemm = opType === 'Gemm';
  graph.initializer.push(
    onnx.TensorProto.create({ name: 'head/weight', dataType: float, dims: gemm ? [10, 48] : [48, 10], rawData: new Uint8Array(48 * 10 * 4) }),
    onnx.TensorProto.create({ name: 'head/bias', dataType: float, dims: [10], rawData: new Uint8Array(10 * 4) }),
  );
  const transB = { name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 };
  graph.node.push(onnx.NodeProto.create({
    name: `head/${opType}`, opType, input: [features, 'head/weight', ...(gemm ? ['head/bias'] : [])], output: ['logits'], attribute: gemm ? [transB] : [],
  }));
  graph.output = [onnx.ValueInfoProto.create({ name: 'logits', type: { tensorType: { elemType: float, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 10 }] } } } })];
  return model;
}

const tempDirs = [];
// Test scratch folders go when the test file's process ends (set KEEP_TEST_FILES=1 to look at them).
process.on('exit', () => {
  if (process.env.KEEP_TEST_FILES) return;
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

export function makeTempDir(prefix = 'dino-track-test-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Runs `fn` with DINO_TRACK_CACHE set to `cache` in this process (library calls read it), then puts it back. */
export async function withCacheDir(cache, fn) {
  const saved = process.env.DINO_TRACK_CACHE;
  process.env.DINO_TRACK_CACHE = cache;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env.DINO_TRACK_CACHE;
    else process.env.DINO_TRACK_CACHE = saved;
  }
}

/**
 * Makes a test video with ffmpeg's lavfi sources: moving test pattern, optional sine audio.
 * Generated rather than committed so sizes and lengths can vary per test.
 */
export function makeVideo(file, { width = 128, height = 96, fps = 10, seconds = 2, audio = false, pattern = 'testsrc2', videoCodec = 'libx264', audioCodec = 'aac' } = {}) {
  const { ffmpeg } = getFfmpegBinaries();
  const args = ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${pattern}=size=${width}x${height}:rate=${fps}`];
  // Opus takes 48 kHz only; the others any rate.
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=${audioCodec === 'libopus' ? 48000 : 16000}`);
  args.push('-t', String(seconds), '-c:v', videoCodec, '-pix_fmt', 'yuv420p');
  // VP9 at its fastest: the tests need a VP9 stream, not a good one.
  if (videoCodec === 'libvpx-vp9') args.push('-deadline', 'realtime', '-cpu-used', '8');
  if (audio) args.push('-c:a', audioCodec, '-shortest');
  args.push(file);
  execFileSync(ffmpeg, args);
  return file;
}

/**
 * A red and a blue 50-px square moving over grey (320x240, 25 fps, 2 s): objects the designed
 * ViT attends. Red at (30 + 40t, 60), blue at (220 - 30t, 150), t in seconds.
 */
export function makeSquaresVideo(file) {
  const { ffmpeg } = getFfmpegBinaries();
  execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x808080:s=320x240:r=25:d=2', '-f', 'lavfi', '-i', 'color=c=red:s=50x50:r=25:d=2', '-f', 'lavfi', '-i', 'color=c=blue:s=50x50:r=25:d=2',
    '-filter_complex', "[0][1]overlay=x='30+40*t':y=60[a];[a][2]overlay=x='220-30*t':y=150,format=yuv420p", '-c:v', 'libx264', file]);
  return file;
}

/** ffprobe's view of a file's streams. */
export function probeStreams(file) {
  const { ffprobe } = getFfmpegBinaries();
  const out = execFileSync(ffprobe, ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', file], { encoding: 'utf8' });
  return JSON.parse(out).streams;
}

/** Decodes one file fully; returns ffmpeg's error output (empty when clean). */
export function decodeErrors(file) {
  const { ffmpeg } = getFfmpegBinaries();
  try {
    execFileSync(ffmpeg, ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return '';
  } catch (error) {
    return String(error.stderr || error.message);
  }
}

/** Raw RGB24 frames of a video, concatenated. */
export function readRgbFrames(file) {
  const { ffmpeg } = getFfmpegBinaries();
  return execFileSync(ffmpeg, ['-v', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 30 });
}

/** Runs the CLI; resolves { code, stdout, stderr }. */
export function runCli(args, { env = {}, timeoutMs = 120_000, input, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (input) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * A folder nothing can be written into, filled first by `fill(dir)`: for root, whom no
 * permission stops, a tmpfs remounted read-only (EROFS); for anyone else the folder and
 * what `fill` made without write permission (EACCES). Returns { dir, skip, restore }:
 * `skip` says why none could be made (root in a container that may not mount), else false.
 */
export function makeReadOnlyDir(fill = () => {}) {
  const dir = path.join(makeTempDir(), 'read-only');
  mkdirSync(dir);
  if (process.getuid?.() !== 0) {
    fill(dir);
    execFileSync('chmod', ['-R', 'a-w', dir]);
    return { dir, skip: false, restore: () => execFileSync('chmod', ['-R', 'u+w', dir]) };
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    return { dir, skip: 'root without mount: no folder is read-only for root here', restore: () => {} };
  }
  fill(dir);
  execFileSync('mount', ['-o', 'remount,ro', dir]);
  return { dir, skip: false, restore: () => execFileSync('umount', [dir]) };
}

/**
 * Starts the CLI and lets a test act while it runs: `waitFor(text)` resolves once stderr
 * holds `text` and rejects if the run ends first; `closed` resolves { code, signal }.
 */
export function startCli(args, { env = {} } = {}) {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const waiting = [];
  child.stderr.on('data', (d) => {
    stderr += d;
    for (const w of waiting) if (stderr.includes(w.text)) w.resolve();
  });
  const closed = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    child,
    closed,
    stderr: () => stderr,
    waitFor: (text) => new Promise((resolve, reject) => {
      if (stderr.includes(text)) return resolve();
      waiting.push({ text, resolve });
      closed.then(() => reject(new Error(`ended before printing ${text}: ${stderr}`)));
    }),
  };
}

/**
 * Tracks a generated 128x96, 10 fps test video with the tiny model into `out/` with the given
 * formats; fails the test if the CLI does not exit 0. Resolves { out, video }.
 */
export async function trackTestVideo(formats, { seconds = 2, width = 128, height = 96, fps = 10 } = {}) {
  const dir = makeTempDir();
  const video = makeVideo(path.join(dir, 'in.mp4'), { width, height, fps, seconds });
  const out = path.join(dir, 'out');
  const { code, stderr } = await runCli([video, '-o', out, '--format', formats, '--model', models.tiny, '--short-side', String(Math.min(width, height))]);
  if (code !== 0) throw new Error(`dino-track exited ${code}: ${stderr}`);
  return { out, video };
}

/** A loopback URL on which nothing listens: what an offline machine sees. */
export async function getClosedUrl() {
  const net = await import('node:net');
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/**
 * A single-channel PNG of `values` (one per pixel) at `depth` bits a sample, packed as the PNG
 * format packs them (several to a byte below 8 bits, each row on a new byte), as Pillow writes
 * a palette of few colours: colour type 3 (palette) or 0 (grey).
 */
export function writePackedPng(file, values, width, height, depth, colourType = 3, colours = Array.from({ length: 1 << depth }, (_, i) => [i * 40, 0, 0])) {
  const rowBytes = Math.ceil((width * depth) / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      raw[y * (rowBytes + 1) + 1 + (bit >> 3)] |= values[y * width + x] << (8 - depth - (bit & 7));
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([depth, colourType, 0, 0, 0], 8);
  const palette = colourType === 3 ? [chunk('PLTE', Buffer.from(colours.flat()))] : [];
  writeFileSync(file, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), ...palette, chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
}
