import path from 'node:path';
import { devices, featureDtypes, propagations } from './cli/track-options.js';
import { ExternalError, InputError, UsageError, expected } from './errors.js';
import { formats, overlayModes } from './export/format-names.js';
import { precisionChoices } from './model/registry.js';
import { refineModes } from './refine/index.js';

/** The JavaScript type each library option takes; `format` takes a string or an array of strings. */
const optionTypes = {
  input: 'string', output: 'string', format: 'format', features: 'string', saveFeatures: 'string', featuresDtype: 'string',
  model: 'string', precision: 'string', device: 'string', threshold: 'number', maxObjects: 'number', occlusionFrames: 'number',
  shortSide: 'number', batch: 'number', stride: 'number', threads: 'number', overlay: 'string', initMask: 'string',
  initFrame: 'number', prompts: 'string', contextFrames: 'number', window: 'number', topK: 'number', propagation: 'string',
  discover: 'boolean', refine: 'string', overwrite: 'boolean', verbose: 'boolean', onProgress: 'function', onNotice: 'function',
  signal: 'AbortSignal',
} as const;

/** Options `trackFrames()` refuses: it yields frames instead of writing them (`overwrite` only applies to `saveFeatures`). */
const writingOptions = ['output', 'format', 'overwrite', 'overlay'];

/** Edit distance, for "did you mean": a typo is one or two edits away. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

function isOfType(value: unknown, type: (typeof optionTypes)[keyof typeof optionTypes]): boolean {
  if (type === 'format') return typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string'));
  if (type === 'AbortSignal') return value instanceof AbortSignal;
  return typeof value === type;
}

/**
 * Checks what the command line cannot get wrong but a JavaScript caller can: an option name
 * (a typo was ignored and the default used) and its type (`threshold: '0.5'` passed as the
 * string). The values are then checked by the command line's own rules.
 * @param call `track` or `trackFrames`, for the messages
 * @throws UsageError naming the option
 */
export function checkLibraryOptions(options: unknown, call: 'track' | 'trackFrames'): void {
  // An array is an object too: track([]) was taken as no options, and refused for its missing output.
  if (typeof options !== 'object' || options === null || Array.isArray(options)) throw new UsageError(`${call}() takes an options object, e.g. ${call}({ input: 'in.mp4'${call === 'track' ? ", output: 'out/'" : ''} })`);
  for (const [key, value] of Object.entries(options)) {
    if (!(key in optionTypes)) {
      const near = Object.keys(optionTypes).filter((name) => distance(name, key) <= 2).sort((a, b) => distance(a, key) - distance(b, key))[0];
      throw new UsageError(`unknown option ${key} for ${call}()${near ? ` (did you mean ${near}?)` : ''}`);
    }
    if (value === undefined) continue;
    // overwrite replaces an existing saveFeatures file (trackFrames refused it, and so could not save features over an earlier cache: a first-time user).
    const allowed = key === 'overwrite' && (options as { saveFeatures?: unknown }).saveFeatures !== undefined;
    if (call === 'trackFrames' && writingOptions.includes(key) && !allowed) throw new UsageError(`trackFrames() yields each frame instead of writing files, so ${key} does nothing${key === 'overwrite' ? ' without saveFeatures' : ''}; leave it out, or call track() to write outputs`);
    const type = optionTypes[key as keyof typeof optionTypes];
    if (!isOfType(value, type)) throw expected(type === 'format' ? 'a format name or an array of them' : type === 'AbortSignal' ? 'an AbortSignal' : `a ${type}`, key, value);
  }
}

/**
 * The arguments of `prepareModel(file, size, output?, options?)`, checked by name and type: a
 * size given as `{ w, h }` became "size undefinedxundefined", a missing one a TypeError (a
 * first-time user).
 * @throws UsageError naming the argument
 */
export function checkPrepareArguments(file: unknown, size: unknown, output: unknown, options: unknown): void {
  if (typeof file !== 'string' || file === '') throw expected('the model file\'s path', 'file', file);
  const { width, height } = (typeof size === 'object' && size !== null ? size : {}) as { width?: unknown; height?: unknown };
  const isPixels = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!isPixels(width) || !isPixels(height)) throw expected('{ width, height } in whole pixels', 'size', typeof size === 'object' && size !== null ? JSON.stringify(size) : size);
  if (output !== undefined && (typeof output !== 'string' || output === '')) throw expected('a file path', 'output', output);
  const overwrite = (typeof options === 'object' && options !== null ? options : {}) as { overwrite?: unknown };
  if (overwrite.overwrite !== undefined && typeof overwrite.overwrite !== 'boolean') throw expected('a boolean', 'overwrite', overwrite.overwrite);
}

/**
 * The values of enumerated options, as messages quote them after their flag: `--refine none`
 * reads `refine: 'none'` (a notice told a library caller "(refine none to say this is meant)":
 * a trial). Only these: after other flags English words follow (`give --prompts a folder`).
 */
const quotedValues: Record<string, readonly string[]> = {
  refine: refineModes, device: devices, precision: precisionChoices, overlay: overlayModes, format: formats,
  propagation: propagations, featuresDtype: featureDtypes,
};

/**
 * `--flag value` in the library's words, where each value is one of the flag's enumerated
 * values: `--refine none` → `refine: 'none'`, a list `--format davis,overlay` → `format:
 * ['davis', 'overlay']` (it read "format: 'davis',overlay": a review), and `--device auto or
 * cpu` → `device: 'auto' or 'cpu'`.
 */
function quoteOptionValue(whole: string, before: string, flag: string, list: string, other: string | undefined): string {
  const name = toCamelCase(flag);
  const known = (value: string): boolean => quotedValues[name]?.includes(value) ?? false;
  const values = list.split(',');
  if (!values.every(known)) return whole;
  const quoted = values.length > 1 ? `[${values.map((v) => `'${v}'`).join(', ')}]` : `'${values[0]}'`;
  const alternative = other === undefined ? '' : known(other) ? ` or '${other}'` : ` or ${other}`;
  return `${before}${name}: ${quoted}${alternative}`;
}

/** `max-objects` → `maxObjects`. */
const toCamelCase = (flag: string): string => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * A message of the command line's checks in the library's words: its options by their
 * JavaScript names (`--max-objects` → `maxObjects`, `-o` → `output`, "pass --overwrite" →
 * "pass overwrite: true"). A library caller was told to "pass --overwrite" (a second trial).
 * Flags that are no library option (`--jobs`, `--verbose` of another command) stay as they
 * are, and so do `paths` (the caller's, and the folders they are in): a path holding
 * `INPUT` or ` --threshold` named another path once reworded (a review).
 */
export function toLibraryWording(message: string, paths: string[] = []): string {
  // Longest first, so that a folder inside a path does not split the path's own placeholder.
  const kept = [...new Set(paths.filter((p) => p.length > 0))].sort((a, b) => b.length - a.length);
  let text = message;
  kept.forEach((p, k) => {
    text = text.split(p).join(`\u0000${k}\u0000`);
  });
  text = text
    .replace(/\bpass --overwrite\b/g, 'pass overwrite: true')
    .replace(/-o, --output\b/g, 'output')
    .replace(/ \(an empty value: is a shell variable unset\?\)/g, '')
    .replace(/(^|[\s(`'"])(INPUT|FILE)(?=$|[\s,;:.)`'"])/g, (_, before: string, name: string) => `${before}${name.toLowerCase()}`)
    // Each example of a list: the second of "e.g. -o out.mp4 or -o out/" read "or output out/" (a first-time user).
    .replace(/\be\.g\. -o \S+(?: or -o \S+)*/g, (examples) => examples.replace(/-o (\S+)/g, "output: '$1'"))
    .replace(/(^|[\s(`'"])--([a-z][a-z0-9-]*) ([a-z][a-z0-9-]*(?:,[a-z][a-z0-9-]*)*)(?: or ([a-z][a-z0-9-]*))?(?=$|[\s,;:.)`'"])/g, quoteOptionValue)
    .replace(/(^|[\s(`'"])--([a-z][a-z0-9-]*)\b/g, (whole, before: string, flag: string) => (toCamelCase(flag) in optionTypes ? `${before}${toCamelCase(flag)}` : whole))
    .replace(/(^|[\s(`'"])-o\b/g, '$1output');
  return text.replace(/\u0000(\d+)\u0000/g, (_, k: string) => kept[Number(k)]);
}

/** The paths a caller gave (string options), and the folders they are in, as messages quote them. */
export function getGivenPaths(options: unknown): string[] {
  // No options object (track() without one): checkLibraryOptions says so; here it was a TypeError first.
  if (typeof options !== 'object' || options === null) return [];
  const given = Object.values(options).filter((v): v is string => typeof v === 'string' && v.length > 0);
  // Not `.` or `/`, the folders of bare names: kept as they are, they would hide the punctuation around flags.
  return given.flatMap((p) => [p, path.resolve(p), path.dirname(p), path.dirname(path.resolve(p))]).filter((p) => p.length > 1);
}

/**
 * Runs `call`, rewording its errors of the documented classes (toLibraryWording, leaving
 * `paths` as they are); the error object and its class stay the same.
 */
export async function inLibraryWords<T>(call: () => Promise<T>, paths: string[] = []): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw rewordError(error, paths);
  }
}

/** The error with its message in the library's words, where it is one of ours. */
export function rewordError(error: unknown, paths: string[] = []): unknown {
  if (error instanceof UsageError || error instanceof InputError || error instanceof ExternalError) error.message = toLibraryWording(error.message, paths);
  return error;
}
