import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { explainCacheWriteError, getCacheDir } from './cache-dir.js';
import { downloadFile } from './download.js';
import { decodeModel, encodeModel, hasInlinedData, type GraphProto, type ModelProto } from './onnx-graph.js';
import { getModelInputSize, largestInputSide } from './preprocess.js';
import { hasFullRangeSignedWeights, saturatesInt8Pairs } from './int8-saturation.js';
import { inspectModel, prepareModel_, type ModelStructure } from './prepare.js';
import { getPreparedModelPath, readPreparedCopy, savePreparedCopy } from './prepared-cache.js';
import { getDefaultModelName, getModel, getModelUrl, isRegistryName, precisions, resolvePrecision, type Precision, type PrecisionChoice } from './registry.js';
import type { Device, ModelSession } from './session.js';
import { openSessionInWorker } from './worker-session.js';

export interface ResolveOptions {
  /** A registry name or a path to a .onnx file; the registry default when absent. */
  model?: string;
  /** Which of a registry model's files; `auto` (the default) resolves by resolvePrecision. */
  precision?: PrecisionChoice;
  onDownloadProgress?: (received: number, total: number | undefined) => void;
  /** Advice when the download cannot reach the network (default: use a local --model). */
  offlineAdvice?: string;
  /** One-line notices: waiting for another run's download, a prepared copy made again. */
  notify?: (line: string) => void;
  /** Stops a download (or the wait for another run's) when aborted (the library's `signal`). */
  signal?: AbortSignal;
}

/**
 * Path of one precision of a registry model in the cache: fp32 keeps the name caches
 * have always used (NAME.onnx), the others are cached beside it (NAME-int8.onnx).
 */
export function getCachedModelPath(name: string, precision: Precision = 'fp32'): string {
  return path.join(getCacheDir(), 'models', precision === 'fp32' ? `${name}.onnx` : `${name}-${precision}.onnx`);
}

/**
 * The local file for `--model`: the path itself, or a registry model's cached copy in
 * the chosen precision, downloaded on first use.
 * @throws InputError for a missing file; ExternalError when a download fails.
 */
export async function resolveModelFile(options: ResolveOptions): Promise<string> {
  const requested = options.model ?? getDefaultModelName();
  if (!isRegistryName(requested)) {
    if (!existsSync(requested)) {
      if (!/[./\\]/.test(requested)) getModel(requested); // throws the "expected a model name" usage error
      throw new InputError(`model file ${requested} does not exist; check the path or pick a model from \`dino-track models list\``);
    }
    assertOnnxFile(requested, '--model');
    return requested;
  }
  const entry = getModel(requested);
  const precision = resolvePrecision(options.precision);
  const cached = getCachedModelPath(entry.name, precision);
  if (!existsSync(cached)) {
    const { size, sha256 } = entry.onnx[precision];
    const url = getModelUrl(entry, precision);
    // Offline, another precision already in the cache is the quickest way on (a first-time user's trial: only fp16 was cached, and the line said nothing of it).
    const other = precisions.find((p) => p !== precision && existsSync(getCachedModelPath(entry.name, p)));
    const offlineAdvice = options.offlineAdvice ?? (other ? `or use the ${other} copy already cached (--precision ${other}), or pass --model PATH.onnx to use a local model` : undefined);
    await downloadFile({ url, target: cached, size, sha256, onProgress: options.onDownloadProgress, offlineAdvice, onWait: options.notify, signal: options.signal, verify: (file) => checkModelFile(file, url) })
      .catch((error: unknown) => {
        throw explainCacheWriteError(error);
      });
  }
  return cached;
}

/**
 * What users give as a model that is no ONNX file, named with what to give instead (a first-time
 * user's trial: a PyTorch checkpoint was "not a readable ONNX model (invalid wire type 7…)", a
 * Hugging Face snapshot folder "cannot read model … (EISDIR)"; a second trial: `models info`,
 * `prepare` and `quantize` still said "download it again" and EISDIR).
 * @param option how the file was given (`--model`), or undefined for a command's FILE argument
 * @throws InputError
 */
export function assertOnnxFile(file: string, option?: string): void {
  const give = option ? `${option} ` : '';
  if (statSync(file).isDirectory()) {
    const inside = ['onnx/model.onnx', 'model.onnx'].map((name) => path.join(file, name)).find((candidate) => existsSync(candidate));
    throw new InputError(`model ${file} is a folder; give the .onnx file in it${inside ? ` (${give}${inside})` : ' (a Hugging Face snapshot keeps them in onnx/)'}`);
  }
  if (/\.(pth|pt|ckpt|bin|safetensors)$/i.test(file)) {
    throw new InputError(`model ${file} is a PyTorch checkpoint, not an ONNX model; export it with models/export_dino.py (it needs PyTorch), then give ${give}the .onnx it writes`);
  }
}

/** Throws (InputError) unless `file` holds an ONNX graph preparation can read; `source` names it in the message. */
export async function checkModelFile(file: string, source: string): Promise<void> {
  inspectModel(decodeModel(await readFile(file), source), source);
}

export interface LoadOptions extends ResolveOptions {
  device: Device;
  threads?: number;
  /** Model input short side in pixels before rounding to the patch size. */
  shortSide: number;
  /** Enlarge frames smaller than `shortSide` (only when the user asked for that size). */
  upscale?: boolean;
  verbose?: boolean;
}

/** A session ready for one input size. */
export interface LoadedModel {
  session: ModelSession;
  file: string;
  structure: ModelStructure;
  inputWidth: number;
  inputHeight: number;
  rows: number;
  cols: number;
  /** The prepared model's path in the cache, when preparation was needed. */
  preparedPath?: string;
  /** Whether this run prepared the model (false: taken from the cache or already prepared). */
  preparedNow: boolean;
}

/** Frames whose shape differs more than this from a prepared model's input are visibly stretched (10%: 16:9 against 4:3 is 33%). */
const stretchTolerance = 0.1;

/**
 * Says so when a model prepared for a fixed size stretches the frames to another shape (a
 * landscape video into a portrait input: `models prepare --size` takes height first, and
 * 848x480 there is portrait). It still runs: a user may mean it. The way out names the
 * original model: `models prepare` refuses this one (already prepared), which the first form
 * of this line sent an export_dino.py user to (a first-time user's trial).
 */
function warnIfStretched(size: { width: number; height: number }, frameWidth: number, frameHeight: number, file: string, notify?: (line: string) => void): void {
  const ratio = size.width / size.height / (frameWidth / frameHeight);
  if (Math.abs(Math.log(ratio)) <= Math.log(1 + stretchTolerance)) return;
  notify?.(`${file} was prepared for ${size.width}x${size.height} (WxH) input, another shape than the video's ${frameWidth}x${frameHeight}: frames are stretched to fit; prepare the original model for the video's shape (models prepare ORIGINAL.onnx --size HEIGHTxWIDTH -o OUT.onnx; this file, already prepared, is refused there), give the original model (track prepares it for each video), or for a model from models/export_dino.py run it again with --size HEIGHTxWIDTH`);
}

/**
 * Says so when `--short-side` was given but a prepared model's fixed input decides the size
 * (a first-time user's trial: `--short-side 128` with a model prepared for 320x240 ran at
 * 320x240 without a word, where other options that do nothing are said to).
 */
function warnIfShortSideIgnored(size: { width: number; height: number }, requested: { width: number; height: number }, options: LoadOptions, file: string): void {
  // Against the input --short-side gives (rounded to the patch size), not its raw value: 100 asks for the 96 lines a model prepared at 96 has.
  if (!options.upscale || Math.min(size.width, size.height) === Math.min(requested.width, requested.height)) return;
  options.notify?.(`--short-side ${options.shortSide} does nothing with ${file}, prepared for ${size.width}x${size.height} (WxH) input: frames are scaled to that; give the original model to track at another size (track prepares it for each --short-side)`);
}

/**
 * The graph and what preparation finds in it. A registry model's cached copy that is not a
 * model (a page an older version kept) is named with the command that downloads it again.
 */
function readCachedOrGivenModel(bytes: Uint8Array, file: string, options: ResolveOptions): { model: ModelProto; structure: ModelStructure } {
  try {
    const model = decodeModel(bytes, file, file);
    return { model, structure: inspectModel(model, file) };
  } catch (error) {
    const name = options.model ?? getDefaultModelName();
    if (!isRegistryName(name) || !(error instanceof InputError)) throw error;
    const precision = resolvePrecision(options.precision);
    throw new InputError(`${error.message.split(';')[0]}; run \`dino-track models pull ${name}${precision === 'fp32' ? '' : ` --precision ${precision}`}\` to download it again`, { cause: error });
  }
}

/**
 * The model input `track` would prepare stays within what `models prepare --size` takes
 * (largestInputSide): --short-side bounds the short side only, and a review found a 21:9
 * video at --short-side 4320 prepared at 10240x4320, and a 64x4096 one at 276480 px wide
 * (a 7 GB position table before any model call).
 * @throws UsageError naming --short-side and one that fits
 */
function assertInputSizeFits(size: { width: number; height: number }, shortSide: number, patchSize: number): void {
  const longSide = Math.max(size.width, size.height);
  if (longSide <= largestInputSide) return;
  const fitting = Math.max(patchSize, Math.floor((Math.min(size.width, size.height) * largestInputSide) / longSide / patchSize) * patchSize);
  throw new UsageError(`--short-side ${shortSide} gives this video a ${size.width}x${size.height} (WxH) model input, past ${largestInputSide} px a side; give --short-side ${fitting} or less`);
}

/**
 * Prepares (or takes from the cache) a model for frames of the given size and opens
 * an inference session on it. Prepared models are cached by (source sha256, preparation
 * version, input size).
 */
export async function loadModel(options: LoadOptions, frameWidth: number, frameHeight: number): Promise<LoadedModel> {
  const file = await resolveModelFile(options);
  const bytes = await readFile(file).catch((cause: NodeJS.ErrnoException) => {
    throw new InputError(`cannot read model ${file} (${cause.code}); check the path`, { cause });
  });
  const { model, structure } = readCachedOrGivenModel(bytes, file, options);
  // A model with external data files is all of it only once they are read in: cache key and session take that.
  const source = hasInlinedData(model) ? encodeModel(model) : bytes;
  let size = getModelInputSize(frameWidth, frameHeight, options.shortSide, structure.patchSize, options.upscale);
  assertInputSizeFits(size, options.shortSide, structure.patchSize);
  let sessionBytes: Uint8Array = source;
  let preparedPath: string | undefined;
  let preparedNow = false;
  if (structure.onlyAtInputSize && structure.inputWidth && structure.inputHeight) {
    // A graph exported for one size runs at that size only (prepare.ts, assertSizeFits): frames are scaled to it.
    size = { width: structure.inputWidth, height: structure.inputHeight };
    options.notify?.(`${file} was exported for ${size.width}x${size.height} (WxH) input only: frames are scaled to that; for masks at the video's resolution export it with dynamic height and width (or with models/export_dino.py)`);
  }
  if (structure.prepared) {
    // A prepared model fixes its own input size; frames are scaled to it.
    if (structure.inputWidth && structure.inputHeight) {
      const requested = size;
      size = { width: structure.inputWidth, height: structure.inputHeight };
      warnIfShortSideIgnored(size, requested, options, file);
      warnIfStretched(size, frameWidth, frameHeight, file, options.notify);
    }
  } else {
    preparedPath = getPreparedModelPath(source, size.height, size.width);
    const cachedCopy = await readPreparedCopy(preparedPath, size.height, size.width, options.notify);
    if (cachedCopy) {
      sessionBytes = cachedCopy;
    } else {
      sessionBytes = encodeModel(prepareModel_(model, file, size.height, size.width));
      preparedNow = true;
      // Not cached (a read-only cache): nothing to name as written.
      if (!(await savePreparedCopy(preparedPath, sessionBytes, options.notify))) preparedPath = undefined;
    }
  }
  const session = await openSessionInWorker(sessionBytes, { device: options.device, threads: options.threads, verbose: options.verbose, notify: options.notify });
  if (session.provider === 'cpu' && structure.precision === 'int8' && saturatesInt8Pairs() && model.graph && hasFullRangeSignedWeights(model.graph as GraphProto)) {
    options.notify?.(`${file} has int8 weights over the full signed range, which this CPU's int8 kernels (x86 without VNNI) saturate, so its attention and masks can be off; quantize the fp32 model again with this version's \`dino-track models quantize\` (7-bit weights), or use the fp32 model`);
  }
  const rows = size.height / structure.patchSize;
  const cols = size.width / structure.patchSize;
  return { session, file, structure, inputWidth: size.width, inputHeight: size.height, rows, cols, preparedPath, preparedNow };
}
