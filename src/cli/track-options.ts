import { statSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError, expected } from '../errors.js';
import { findVideoFormat, folderEntries, formats, isFolderTarget, isVideoTarget, overlayModes, type Format, type OverlayMode } from '../export/format-names.js';
import type { CacheDtype } from '../features/index.js';
import { largestShortSide, type Device } from '../model/index.js';
import { getCacheDir } from '../model/cache-dir.js';
import { findUnavailableReason } from '../model/providers.js';
import { isRegistryName, precisionChoices, type PrecisionChoice } from '../model/registry.js';
import type { TrackContext } from '../pipeline.js';
import { progressModes, type ProgressMode } from './progress.js';
import { refuseReplacingInputs, type ReadPath, type WritePath } from './output-overlap.js';
import { followFolderLink, validateTarget } from './output-target.js';
import { checkPromptIds } from './prompt-ids.js';
import { listPrompts, promptName } from './prompts-option.js';
import { parseChoice, parseInteger, parseNumber } from './validate.js';
import { refineModes, type RefineMode } from '../refine/index.js';

/** Raw option strings as commander hands them over: absent when not given. */
export interface RawTrackOptions {
  output?: string;
  format?: string;
  overlay?: string;
  model?: string;
  /** Absent where a caller builds options without commander's defaults: auto. */
  precision?: string;
  device?: string;
  threshold?: string;
  maxObjects?: string;
  occlusionFrames?: string;
  shortSide?: string;
  batch?: string;
  stride?: string;
  threads?: string;
  progress?: string;
  features?: string;
  initMask?: string;
  initFrame?: string;
  prompts?: string;
  contextFrames?: string;
  window?: string;
  topK?: string;
  propagation?: string;
  discover?: boolean;
  saveFeatures?: string;
  featuresDtype?: string;
  refine?: string;
  overwrite?: boolean;
  verbose?: boolean;
  quiet?: boolean;
}

/**
 * Defaults, applied here rather than by commander so that an option the user gave can be
 * told from one left alone: options that do nothing in the chosen mode are refused.
 */
export const trackDefaults = {
  overlay: 'masks',
  device: 'auto',
  /** DINO's `--threshold` in its attention visualisation. */
  threshold: '0.6',
  maxObjects: '8',
  /** DINO's video segmentation evaluation works at 480 lines. */
  shortSide: '480',
  batch: '1',
  stride: '1',
  threads: '0',
  progress: 'auto',
  initFrame: '0',
  /** DINO's label propagation: 7 previous frames, 12-patch window, top 5 neighbours. */
  contextFrames: '7',
  window: '12',
  topK: '5',
  propagation: 'improved',
  featuresDtype: 'f32',
  /** Refine whenever the frames are decoded: always when the model runs, with --features when the video is given. */
  refine: 'auto',
} as const satisfies Partial<Record<keyof RawTrackOptions, string>>;

/** Options that only prompted mode (`--init-mask`, `--prompts`) uses. */
const promptedOnly = { contextFrames: '--context-frames', window: '--window', topK: '--top-k', propagation: '--propagation' } as const;
/** Options that only running the model uses (not `--features`). */
const modelOnly = { model: '--model', precision: '--precision', device: '--device', shortSide: '--short-side', batch: '--batch', threads: '--threads' } as const;

/**
 * How to give `--init-mask`'s PNG as one of the `--prompts` folder's: named by the frame it
 * annotates, as the davis format names masks (`--init-frame`'s; a mask named by another frame's
 * number without it is that frame's, most likely), or, where the folder already holds that
 * frame's prompt, edit that one. A first-time user's trial: `00030.png` was to be copied as
 * 00000.png (frame 0, without --init-frame), over nothing said about the folder's own 00030.png.
 */
function adviseInitMaskIntoPrompts(initMask: string, prompts: string, initFrame: string | undefined): string {
  const named = promptName.exec(path.basename(initMask));
  const frame = initFrame === undefined ? (named ? Number(named[1]) : 0) : /^\d+$/.test(initFrame) ? Number(initFrame) : undefined;
  if (frame === undefined) return `copy ${initMask} into ${prompts} named by the frame it annotates (00042.png for frame 42), or give only one of the two`;
  const name = `${String(frame).padStart(5, '0')}.png`;
  const guessed = initFrame === undefined && named !== null && frame !== 0 ? ` (if it is frame ${frame}'s mask, as its name says)` : '';
  // Any name with that number is that frame's prompt (30.png as well as 00030.png).
  const held = (() => {
    try {
      return listPrompts(prompts).find((p) => p.frame === frame)?.file;
    } catch {
      return undefined; // a folder that cannot be listed is reported on its own
    }
  })();
  if (held !== undefined) return `${prompts} already holds ${path.basename(held)}, frame ${frame}'s prompt${guessed}: edit that one, or give only one of the two`;
  return `copy ${initMask} into ${prompts} as ${name}${guessed}, or give only one of the two`;
}

/** Refuses, one line each, options that would do nothing in the mode chosen. */
function refuseUnusedOptions(raw: RawTrackOptions, formats: Format[]): void {
  if (!raw.initMask && !raw.prompts) {
    for (const [key, name] of Object.entries(promptedOnly)) {
      if (raw[key as keyof typeof promptedOnly] !== undefined) throw new UsageError(`${name} is for prompted mode; give --init-mask or --prompts too, or leave ${name} out`);
    }
  }
  if (raw.initMask && raw.prompts) throw new UsageError(`--init-mask and --prompts do not go together: ${adviseInitMaskIntoPrompts(raw.initMask, raw.prompts, raw.initFrame)}`);
  const named = raw.initMask && raw.initFrame === undefined ? promptName.exec(path.basename(raw.initMask)) : null;
  if (named && Number(named[1]) !== 0) {
    // A mask of the davis output (or of a --prompts folder) is named by its frame; taken for frame 0, it was ground truth in the wrong place.
    throw new UsageError(`--init-mask ${raw.initMask} is named as frame ${Number(named[1])}'s mask, but annotates frame 0 without --init-frame; add --init-frame ${Number(named[1])} (or --init-frame 0 if it is frame 0's)`);
  }
  if (raw.initFrame !== undefined && !raw.initMask) {
    throw new UsageError(raw.prompts ? '--init-frame goes with --init-mask; with --prompts each PNG\'s name is its frame, so leave --init-frame out' : '--init-frame is for prompted mode; give --init-mask too, or leave --init-frame out');
  }
  if (raw.features) {
    for (const [key, name] of Object.entries(modelOnly)) {
      if (raw[key as keyof typeof modelOnly] !== undefined) throw new UsageError(`${name} does nothing with --features (the model already ran when the cache was saved); leave it out`);
    }
  }
  if (raw.featuresDtype !== undefined && !raw.saveFeatures) throw new UsageError('--features-dtype sets the precision of --save-features; give --save-features too, or leave it out');
  // A mode that does not exist is the first thing to say: adding overlay to --format would only lead to that error (a first-time user).
  if (raw.overlay !== undefined) parseChoice<OverlayMode>('--overlay', raw.overlay, overlayModes);
  if (raw.overlay !== undefined && !formats.includes('overlay')) throw new UsageError(`--overlay ${raw.overlay} changes only the overlay video; add overlay to --format, or leave it out`);
}

/** `--refine` resolved: refinement needs the frames, so `auto` refines exactly when a video is given. @throws UsageError for guided without a video */
function getRefinement(mode: RefineMode, input: string | undefined): 'none' | 'guided' {
  if (mode === 'guided' && !input) throw new UsageError('--refine guided needs the frames; give the input video alongside --features, or leave --refine out');
  return mode === 'none' || !input ? 'none' : 'guided';
}

export const devices = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
/** `--propagation`'s values. */
export const propagations = ['improved', 'reference'] as const;
/** `--features-dtype`'s values, as given (the cache names them in capitals). */
export const featureDtypes = ['f32', 'f16'] as const;


/** Endings of the files the mask formats write, which an output folder's name is unlikely to have. */
const dataFileExtensions = ['.json', '.xml', '.txt', '.ndjson', '.csv', '.png', '.jpg'];

/** Frames between two key frames wait in memory (full size for the overlay), so the stride is bounded. */
export const maxStride = 30;

export interface TrackOptions extends Omit<TrackContext, 'onProgress' | 'onStart'> {
  progress: ProgressMode;
  /** What the prompts look like they hold by mistake: said once the input and model are open (start-notices.ts). */
  notices: string[];
  /** No closing summary line. */
  quiet: boolean;
}

/** The files and folders a run reads, which its outputs must not replace. */
function getReadPaths(input: string | undefined, raw: RawTrackOptions, prompt: TrackOptions['prompt']): ReadPath[] {
  const reads: ReadPath[] = [];
  if (input) reads.push({ name: 'INPUT', file: input });
  if (raw.features) reads.push({ name: '--features', file: raw.features });
  if (raw.initMask) reads.push({ name: '--init-mask', file: raw.initMask });
  if (raw.prompts) reads.push({ name: '--prompts', file: raw.prompts });
  // Each prompt too: `--save-features fixes/00010.png --overwrite` replaced a hand-fixed prompt with a feature cache (a first-time user).
  if (raw.prompts) for (const { file } of prompt?.prompts ?? []) reads.push({ name: '--prompts', file });
  if (raw.model && !isRegistryName(raw.model)) reads.push({ name: '--model', file: raw.model });
  return reads;
}

function parseFormats(raw: string | undefined, output: string): Format[] {
  if (raw === undefined) return [output === '-' ? 'ndjson' : isVideoTarget(output) ? 'overlay' : 'davis'];
  const list = raw.split(',').map((f) => f.trim());
  // An empty name (`--format ""`, `davis,`, `davis,,coco`) is a typo, maybe a format left out.
  if (list.includes('')) throw expected(`a comma list of ${formats.join(', ')}`, '--format', raw);
  for (const format of list) parseChoice('--format', format, formats);
  return [...new Set(list)] as Format[];
}

/**
 * The files the run reads, checked to exist before the output target: a missing input
 * reported behind "pass --overwrite" is found only after the user has passed it.
 * @throws InputError (exit 1, a bad file) naming the first missing one
 */
function refuseMissingInputs(input: string | undefined, raw: RawTrackOptions): void {
  const missing = (file: string): string | undefined => {
    try {
      statSync(file);
      return undefined;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code ?? 'unknown error';
    }
  };
  let code: string | undefined;
  if (input && (code = missing(input))) throw new InputError(`input ${input} does not exist or cannot be read (${code}); check the path`);
  if (raw.features && (code = missing(raw.features))) throw new InputError(`feature cache ${raw.features} does not exist (${code}); check --features`);
  if (raw.initMask && (code = missing(raw.initMask))) throw new InputError(`--init-mask ${raw.initMask} cannot be read (${code}); check the path`);
  // A name without a dot or slash is a mistyped registry name, which model loading explains.
  if (raw.model && !isRegistryName(raw.model) && /[./\\]/.test(raw.model) && missing(raw.model)) {
    throw new InputError(`model file ${raw.model} does not exist; check the path or pick a model from \`dino-track models list\``);
  }
}

/**
 * Video containers the overlay is not written in: such a name means a video file, never a folder
 * (a second trial: `-o y.mkv --format overlay`, as the refusal's "or give --format" suggested, made a folder y.mkv/ holding overlay.mp4).
 */
const otherVideoExtensions = ['.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.ts', '.m2ts', '.mts', '.wmv', '.flv', '.ogv', '.3gp'];

/** `-o`'s name says what it will be (a video file, a data file, a folder): refused where the formats make something else. */
function refuseOutputOfAnotherKind(output: string, formatList: Format[], formatGiven: boolean): void {
  if (isVideoTarget(output) && (formatList.length !== 1 || formatList[0] !== 'overlay')) {
    throw new UsageError(`-o ${output} is a video file, which holds only the overlay; give a directory for --format ${formatList.join(',')}`);
  }
  const extension = path.extname(output);
  if (!isFolderTarget(output) && otherVideoExtensions.includes(extension.toLowerCase())) {
    const folder = `for a folder of that name end it with a slash (-o ${output}/)`;
    // Mask formats go in a folder: an .mp4 name would be refused for them in turn (a review).
    const overlayOnly = !formatGiven || (formatList.length === 1 && formatList[0] === 'overlay');
    throw new UsageError(overlayOnly
      ? `-o ${output} is a video name (${extension}), but the overlay is written as MP4: give -o ${output.slice(0, -extension.length)}.mp4 (.m4v and .mov work too), or ${folder}`
      : `-o ${output} is a video name (${extension}), but --format ${formatList.join(',')} writes a folder; give a folder name, or ${folder}`);
  }
  if (!isVideoTarget(output) && !isFolderTarget(output) && output !== '-' && path.extname(output) && !formatGiven) {
    // A folder with a dot in its name (run.v2) is meant more often than not: say how to write one (a first-time user).
    // (--format is no way out for a data file's name: the check below refuses it as a file.)
    const orFormat = dataFileExtensions.includes(path.extname(output).toLowerCase()) ? '' : ' or give --format';
    throw new UsageError(`Expected a video file name ending in .mp4, .m4v or .mov, or a directory, for -o, --output but received ${JSON.stringify(output)}; for a folder of that name end it with a slash (-o ${output}/)${orFormat}`);
  }
  // A data file's name makes a folder of that name (coco.json inside results.json/), never the file asked for.
  if (!isVideoTarget(output) && !isFolderTarget(output) && output !== '-' && dataFileExtensions.includes(path.extname(output).toLowerCase())) {
    throw new UsageError(`-o ${output} names a file, but --format ${formatList.join(',')} writes a folder (${formatList.map((f) => folderEntries[f]).join(', ')} inside it); give a folder name, e.g. -o ${output.slice(0, -path.extname(output).length)}/`);
  }
}

/** Options that contradict each other or do nothing together: refused, each with what to do instead. */
function refuseConflictingOptions(raw: RawTrackOptions, stride: number): void {
  if ((raw.initMask || raw.prompts) && raw.occlusionFrames !== undefined) throw new UsageError('--occlusion-frames does nothing in prompted mode (--init-mask, --prompts): annotated objects are kept for the whole video; leave it out');
  if (raw.discover && !raw.initMask && !raw.prompts) throw new UsageError('--discover adds objects to prompted mode; give --init-mask or --prompts too (without them every object is discovered anyway)');
  if (stride > 1 && raw.saveFeatures) throw new UsageError('--stride and --save-features do not go together: a feature cache holds every frame; save it without --stride, then track it with --stride');
  if (raw.features && raw.saveFeatures) throw new UsageError('--features and --save-features do not go together: the features are already saved');
}

/** Prompted mode's options (`--prompts` or `--init-mask`/`--init-frame`, and the propagation's settings). */
function parsePromptOptions(raw: RawTrackOptions): NonNullable<TrackOptions['prompt']> {
  return {
    ...(raw.prompts
      ? { prompts: listPrompts(raw.prompts), option: '--prompts' as const, source: `--prompts ${raw.prompts}` }
      : { prompts: [{ frame: parseInteger('--init-frame', raw.initFrame ?? trackDefaults.initFrame, 0, 10_000_000), file: raw.initMask as string }], option: '--init-mask' as const, source: `--init-mask ${raw.initMask}` }),
    contextFrames: parseInteger('--context-frames', raw.contextFrames ?? trackDefaults.contextFrames, 0, 100),
    radius: parseInteger('--window', raw.window ?? trackDefaults.window, 1, 1000),
    topK: parseInteger('--top-k', raw.topK ?? trackDefaults.topK, 1, 1000),
    propagation: parseChoice<(typeof propagations)[number]>('--propagation', raw.propagation ?? trackDefaults.propagation, propagations),
    discover: Boolean(raw.discover),
  };
}

/** A `--device` that cannot work here (no GPU, CUDA not installed) is said before anything about `-o`. */
function refuseUnavailableDevice(device: Device): void {
  if (device === 'auto') return;
  const reason = findUnavailableReason(device);
  if (reason) throw new UsageError(`--device ${device} is not available here (${reason}); use --device auto or cpu`);
}

/** The options that name a file or folder, with what each names. */
const pathOptions = [
  ['features', '--features', 'a feature cache'], ['saveFeatures', '--save-features', 'a feature cache file'], ['initMask', '--init-mask', 'a mask PNG'],
  ['prompts', '--prompts', 'a folder of prompt PNGs'], ['model', '--model', 'a model name or .onnx file'],
] as const;

/**
 * A path option given as the empty string is refused: it was taken as absent, so `--prompts
 * "$FIXES"` with the variable unset ran unsupervised and exited 0, and `--features ""` set off a
 * model download (a first-time user).
 */
function refuseEmptyPaths(raw: RawTrackOptions): void {
  for (const [key, flag, what] of pathOptions) {
    if (raw[key] === '') throw new UsageError(`Expected ${what} for ${flag} but received "" (an empty value: is a shell variable unset?)`);
  }
}

/**
 * Validates every track option before ffmpeg or onnxruntime start.
 * @throws UsageError with the uniform "Expected … but received …" message.
 */
export function normalizeTrackOptions(input: string | undefined, raw: RawTrackOptions): TrackOptions {
  refuseEmptyPaths(raw);
  const device = parseChoice<Device>('--device', raw.device ?? trackDefaults.device, devices);
  const threads = parseInteger('--threads', raw.threads ?? trackDefaults.threads, 0, 1024);
  const verbose = Boolean(raw.verbose);
  const overwrite = Boolean(raw.overwrite);
  if (!raw.output) throw new UsageError('Expected an output path for -o, --output but received nothing; e.g. -o out.mp4 or -o out/');
  const output = raw.output;
  const formatList = parseFormats(raw.format, output);
  refuseOutputOfAnotherKind(output, formatList, Boolean(raw.format));
  if (!input && !raw.features) throw new UsageError('Expected an input video, or a feature cache with --features, but received neither');
  const videoFormat = findVideoFormat(formatList);
  if (!input && videoFormat) throw new UsageError(`the ${videoFormat} format needs the input video; give it as INPUT alongside --features`);
  const stride = parseInteger('--stride', raw.stride ?? trackDefaults.stride, 1, maxStride);
  refuseUnusedOptions(raw, formatList);
  refuseConflictingOptions(raw, stride);
  if (input === '-' || /^[a-z]+:\/\//i.test(input ?? '')) throw new UsageError(`Expected a local video file for INPUT but received ${JSON.stringify(input)}; save the stream to a file first`);
  if (output === '-' && (formatList.length !== 1 || formatList[0] !== 'ndjson')) throw new UsageError('-o - writes to stdout, which takes only --format ndjson');
  const refine = getRefinement(parseChoice<RefineMode>('--refine', raw.refine ?? trackDefaults.refine, refineModes), input);
  const shortSide = parseInteger('--short-side', raw.shortSide ?? trackDefaults.shortSide, 16, largestShortSide);
  const precision = parseChoice<PrecisionChoice>('--precision', raw.precision ?? 'auto', precisionChoices);
  if (precision !== 'auto' && raw.model && !isRegistryName(raw.model)) {
    throw new UsageError(`--precision ${precision} picks one of a registry model's files, but --model ${raw.model} is a file; drop --precision or give a registry name`);
  }
  const options: TrackOptions = {
    input,
    notices: [],
    features: raw.features,
    saveFeatures: raw.saveFeatures,
    saveFeaturesDtype: parseChoice<CacheDtype>('--features-dtype', (raw.featuresDtype ?? trackDefaults.featuresDtype).toUpperCase(), featureDtypes.map((d) => d.toUpperCase() as CacheDtype)),
    // Written through a link to a folder; the output's kind comes from the name given.
    output: followFolderLink(output),
    formats: formatList,
    overlayMode: parseChoice<OverlayMode>('--overlay', raw.overlay ?? trackDefaults.overlay, overlayModes),
    overwrite,
    batch: parseInteger('--batch', raw.batch ?? trackDefaults.batch, 1, 256),
    stride,
    refine,
    verbose,
    quiet: Boolean(raw.quiet),
    progress: parseChoice<ProgressMode>('--progress', raw.progress ?? trackDefaults.progress, progressModes),
    tracker: {
      threshold: parseNumber('--threshold', raw.threshold ?? trackDefaults.threshold, 0, 1, true),
      maxObjects: parseInteger('--max-objects', raw.maxObjects ?? trackDefaults.maxObjects, 1, 255),
      occlusionFrames: raw.occlusionFrames === undefined ? undefined : parseInteger('--occlusion-frames', raw.occlusionFrames, 0, 100_000),
    },
    // A short side the user asked for is honoured even above the video's; the default never enlarges.
    model: { model: raw.model, precision, device, threads, verbose, shortSide, upscale: raw.shortSide !== undefined },
    prompt: raw.initMask || raw.prompts ? parsePromptOptions(raw) : undefined,
  };
  // The file system last: a bad value is reported before a folder in the way, so one fix is
  // enough; and what the run reads before what it writes (a missing input is the real error).
  const promptNotice = options.prompt && checkPromptIds(options.prompt, options.tracker.maxObjects, formatList);
  if (promptNotice) options.notices.push(promptNotice);
  refuseMissingInputs(input, raw);
  refuseUnavailableDevice(device);
  // The model's cache (downloads, prepared graphs) is resolved now, so a cache path that is a file stops the run before ffmpeg starts.
  if (!raw.features) getCacheDir();
  refuseReplacingInputs(getReadPaths(input, raw, options.prompt), [
    ...(output !== '-' ? [{ name: '-o', file: options.output, folder: !isVideoTarget(output) }] : []),
    ...(raw.saveFeatures ? [{ name: '--save-features', file: raw.saveFeatures, folder: false }] : []),
  ] satisfies WritePath[]);
  if (output !== '-') validateTarget('-o', options.output, overwrite, isVideoTarget(output) ? { folder: false, exampleName: 'overlay.mp4', own: 'overlay' } : { folder: true });
  if (raw.saveFeatures) validateTarget('--save-features', raw.saveFeatures, overwrite, { folder: false, exampleName: 'features.safetensors', own: 'features' });
  return options;
}
