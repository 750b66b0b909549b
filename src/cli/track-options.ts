import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { Device } from '../model/index.js';
import type { TrackContext } from '../pipeline.js';
import { progressModes, type ProgressMode } from './progress.js';
import { parseChoice, parseInteger, parseNumber } from './validate.js';

/** Raw option strings as commander hands them over. */
export interface RawTrackOptions {
  output?: string;
  model?: string;
  device: string;
  threshold: string;
  shortSide: string;
  batch: string;
  threads: string;
  progress: string;
  overwrite?: boolean;
  verbose?: boolean;
}

export const devices = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
const videoExtensions = new Set(['.mp4', '.m4v', '.mov']);

export interface TrackOptions extends Omit<TrackContext, 'onProgress' | 'onStart'> {
  progress: ProgressMode;
}

function validateOutput(output: string | undefined, overwrite: boolean): string {
  if (!output) throw new UsageError('Expected an output path for -o, --output but received nothing; e.g. -o out.mp4');
  if (!videoExtensions.has(path.extname(output).toLowerCase())) {
    throw new UsageError(`Expected a video file name ending in .mp4, .m4v or .mov for -o, --output but received ${JSON.stringify(output)}`);
  }
  const dir = path.dirname(path.resolve(output));
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`output directory ${dir} does not exist; create it first`);
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UsageError(`output directory ${dir} is not writable; choose another -o`);
  }
  if (existsSync(output) && !overwrite) throw new UsageError(`${output} already exists; pass --overwrite to replace it`);
  if (existsSync(output) && statSync(output).isDirectory()) throw new UsageError(`${output} is a directory; give a video file name`);
  return output;
}

/**
 * Validates every track option before ffmpeg or onnxruntime start.
 * @throws UsageError with the uniform "Expected … but received …" message.
 */
export function normalizeTrackOptions(input: string, raw: RawTrackOptions): TrackOptions {
  const device = parseChoice<Device>('--device', raw.device, devices);
  const threads = parseInteger('--threads', raw.threads, 0, 1024);
  const verbose = Boolean(raw.verbose);
  return {
    input,
    output: validateOutput(raw.output, Boolean(raw.overwrite)),
    threshold: parseNumber('--threshold', raw.threshold, 0, 1, true),
    batch: parseInteger('--batch', raw.batch, 1, 256),
    verbose,
    progress: parseChoice<ProgressMode>('--progress', raw.progress, progressModes),
    model: {
      model: raw.model,
      device,
      threads,
      verbose,
      shortSide: parseInteger('--short-side', raw.shortSide, 16, 4320),
    },
  };
}
