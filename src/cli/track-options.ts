import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError, expected } from '../errors.js';
import { findVideoFormat, formats, isVideoTarget, overlayModes, type Format, type OverlayMode } from '../export/format-names.js';
import type { CacheDtype } from '../features/index.js';
import type { Device } from '../model/index.js';
import type { TrackContext } from '../pipeline.js';
import { progressModes, type ProgressMode } from './progress.js';
import { parseChoice, parseInteger, parseNumber } from './validate.js';

/** Raw option strings as commander hands them over. */
export interface RawTrackOptions {
  output?: string;
  format?: string;
  overlay: string;
  model?: string;
  device: string;
  threshold: string;
  maxObjects: string;
  occlusionFrames?: string;
  shortSide: string;
  batch: string;
  stride: string;
  threads: string;
  progress: string;
  features?: string;
  initMask?: string;
  initFrame: string;
  contextFrames: string;
  window: string;
  topK: string;
  propagation: string;
  discover?: boolean;
  saveFeatures?: string;
  featuresDtype: string;
  overwrite?: boolean;
  verbose?: boolean;
}

export const devices = ['auto', 'cpu', 'cuda', 'webgpu'] as const;

/** Frames between two key frames wait in memory (full size for the overlay), so the stride is bounded. */
export const maxStride = 30;

export interface TrackOptions extends Omit<TrackContext, 'onProgress' | 'onStart'> {
  progress: ProgressMode;
}

function checkWritableDirectory(dir: string): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`output directory ${dir} does not exist; create it first`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`output directory ${dir} is not writable; choose another -o`);
  }
}

/** Checks `-o` (and `--save-features`) before anything runs: parent exists and is writable, no silent overwrite. */
function validateTarget(name: string, target: string, overwrite: boolean): void {
  checkWritableDirectory(path.dirname(path.resolve(target)));
  if (existsSync(target) && !overwrite) throw new UsageError(`${target} already exists; pass --overwrite to replace it`);
}

function parseFormats(raw: string | undefined, output: string): Format[] {
  if (!raw) return [output === '-' ? 'ndjson' : isVideoTarget(output) ? 'overlay' : 'davis'];
  const list = raw.split(',').map((f) => f.trim()).filter(Boolean);
  if (list.length === 0) throw expected(`a comma list of ${formats.join(', ')}`, '--format', raw);
  for (const format of list) parseChoice('--format', format, formats);
  return [...new Set(list)] as Format[];
}

/**
 * Validates every track option before ffmpeg or onnxruntime start.
 * @throws UsageError with the uniform "Expected … but received …" message.
 */
export function normalizeTrackOptions(input: string | undefined, raw: RawTrackOptions): TrackOptions {
  const device = parseChoice<Device>('--device', raw.device, devices);
  const threads = parseInteger('--threads', raw.threads, 0, 1024);
  const verbose = Boolean(raw.verbose);
  const overwrite = Boolean(raw.overwrite);
  if (!raw.output) throw new UsageError('Expected an output path for -o, --output but received nothing; e.g. -o out.mp4 or -o out/');
  const output = raw.output;
  const formatList = parseFormats(raw.format, output);
  if (isVideoTarget(output) && (formatList.length !== 1 || formatList[0] !== 'overlay')) {
    throw new UsageError(`-o ${output} is a video file, which holds only the overlay; give a directory for --format ${formatList.join(',')}`);
  }
  if (!isVideoTarget(output) && output !== '-' && path.extname(output) && !raw.format) {
    throw new UsageError(`Expected a video file name ending in .mp4, .m4v or .mov, or a directory, for -o, --output but received ${JSON.stringify(output)}`);
  }
  if (!input && !raw.features) throw new UsageError('Expected an input video, or a feature cache with --features, but received neither');
  const videoFormat = findVideoFormat(formatList);
  if (!input && videoFormat) throw new UsageError(`the ${videoFormat} format needs the input video; give it as INPUT alongside --features`);
  const stride = parseInteger('--stride', raw.stride, 1, maxStride);
  if (raw.discover && !raw.initMask) throw new UsageError('--discover adds objects to prompted mode; give --init-mask too (without it every object is discovered anyway)');
  if (stride > 1 && raw.saveFeatures) throw new UsageError('--stride and --save-features do not go together: a feature cache holds every frame; save it without --stride, then track it with --stride');
  if (raw.features && raw.saveFeatures) throw new UsageError('--features and --save-features do not go together: the features are already saved');
  if (input === '-' || /^[a-z]+:\/\//i.test(input ?? '')) throw new UsageError(`Expected a local video file for INPUT but received ${JSON.stringify(input)}; save the stream to a file first`);
  if (output === '-' && (formatList.length !== 1 || formatList[0] !== 'ndjson')) throw new UsageError('-o - writes to stdout, which takes only --format ndjson');
  if (output !== '-') validateTarget('-o', output, overwrite);
  if (raw.saveFeatures) validateTarget('--save-features', raw.saveFeatures, overwrite);
  const shortSide = parseInteger('--short-side', raw.shortSide, 16, 4320);
  return {
    input,
    features: raw.features,
    saveFeatures: raw.saveFeatures,
    saveFeaturesDtype: parseChoice<CacheDtype>('--features-dtype', raw.featuresDtype.toUpperCase(), ['F32', 'F16']),
    output,
    formats: formatList,
    overlayMode: parseChoice<OverlayMode>('--overlay', raw.overlay, overlayModes),
    overwrite,
    batch: parseInteger('--batch', raw.batch, 1, 256),
    stride,
    verbose,
    progress: parseChoice<ProgressMode>('--progress', raw.progress, progressModes),
    tracker: {
      threshold: parseNumber('--threshold', raw.threshold, 0, 1, true),
      maxObjects: parseInteger('--max-objects', raw.maxObjects, 1, 255),
      occlusionFrames: raw.occlusionFrames === undefined ? undefined : parseInteger('--occlusion-frames', raw.occlusionFrames, 0, 100_000),
    },
    model: { model: raw.model, device, threads, verbose, shortSide },
    prompt: raw.initMask
      ? {
        initMask: raw.initMask,
        initFrame: parseInteger('--init-frame', raw.initFrame, 0, 10_000_000),
        contextFrames: parseInteger('--context-frames', raw.contextFrames, 0, 100),
        radius: parseInteger('--window', raw.window, 1, 1000),
        topK: parseInteger('--top-k', raw.topK, 1, 1000),
        propagation: parseChoice<'reference' | 'improved'>('--propagation', raw.propagation, ['improved', 'reference']),
        discover: Boolean(raw.discover),
      }
      : undefined,
  };
}
