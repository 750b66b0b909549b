import { createHash } from 'node:crypto';
import { bookkeepingName } from './manifest.js';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { cutToLength, getNameLength, isHiddenFile, isWithin, maxNameBytes } from '../util/paths.js';

/** File name endings `batch` treats as videos when it walks a folder. */
export const videoExtensions = ['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.ts', '.mts', '.wmv', '.flv', '.3gp'];

const isVideoName = (name: string): boolean => videoExtensions.includes(path.extname(name).toLowerCase());

/** Video files under a folder, recursively, hidden entries skipped. */
function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (isHiddenFile(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (entry.isFile() && isVideoName(entry.name)) out.push(full);
  }
}

/** `*`, `?` and `**` (any folders) to a regular expression over '/'-separated paths. */
function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (ch === '*') out += '[^/]*';
    else if (ch === '?') out += '[^/]';
    else out += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Files matching a glob: the fixed folder part is walked, the rest matched. */
function expandGlob(pattern: string): string[] {
  const base = getGlobBase(pattern);
  const regexp = globToRegExp(pattern.startsWith('./') ? pattern.slice(2) : pattern);
  const files: string[] = [];
  const visit = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (isHiddenFile(entry.name)) continue;
      const full = dir === '.' ? entry.name : path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && regexp.test(full)) files.push(full);
    }
  };
  visit(base);
  return files;
}

/** The folder a pattern's matches are named from: its part before the first wildcard. */
function getGlobBase(pattern: string): string {
  const parts = pattern.split('/');
  return parts.slice(0, parts.findIndex((p) => /[*?]/.test(p))).join('/') || (pattern.startsWith('/') ? '/' : '.');
}

/** A batch's inputs: absolute paths, and for each the folder its output name starts from. */
export interface BatchInputs {
  /** Sorted, without duplicates. */
  files: string[];
  /** The folder (or pattern base) the command line named it by; a file named itself: its own folder. */
  roots: Map<string, string>;
}

/**
 * Every input of a batch, sorted and without duplicates, so that every shard of a
 * cluster job computes the same list on its own and takes its share of it.
 * @throws UsageError for a pattern that matches nothing, InputError for a missing path
 */
export function expandInputs(args: string[]): BatchInputs {
  const roots = new Map<string, string>();
  const add = (file: string, root: string): void => {
    const absolute = path.resolve(file);
    if (!roots.has(absolute)) roots.set(absolute, path.resolve(root));
  };
  for (const arg of args) {
    if (/[*?]/.test(arg)) {
      const matched = expandGlob(arg);
      if (matched.length === 0) throw new UsageError(`the pattern ${JSON.stringify(arg)} matches no file; check it, and quote it so the shell passes it on`);
      matched.forEach((f) => add(f, getGlobBase(arg)));
      continue;
    }
    let stats;
    try {
      stats = statSync(arg);
    } catch (cause) {
      // As `track` says it (src/video/probe.ts), so both commands read alike.
      throw new InputError(`input ${arg} does not exist or cannot be read (${(cause as NodeJS.ErrnoException).code}); check the path`, { cause });
    }
    if (stats.isDirectory()) {
      const found: string[] = [];
      walk(arg, found);
      if (found.length === 0) throw new UsageError(`folder ${arg} has no video files (${videoExtensions.join(' ')})`);
      found.forEach((f) => add(f, arg));
    } else {
      add(arg, path.dirname(arg));
    }
  }
  return { files: [...roots.keys()].sort(), roots };
}

/** Parses `--shard i/n` (0-based i). */
export function parseShard(text: string | undefined): { index: number; count: number } {
  if (text === undefined) return { index: 0, count: 1 };
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index >= count) {
    throw new UsageError(`Expected i/n with 0 <= i < n (e.g. 0/4) for --shard but received ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** This shard's share: every n-th input starting at i, so shares differ by at most one. */
export function selectShard<T>(items: T[], shard: { index: number; count: number }): T[] {
  return items.filter((_, k) => k % shard.count === shard.index);
}

/** A short hash of an input's path: the suffix that keeps a clashing output name unique. */
const hashOf = (file: string): string => createHash('sha256').update(file).digest('hex').slice(0, 8);

/** Inputs grouped by the name they would get, compared without case (macOS and Windows folders ignore it). */
function findClashes(inputs: string[], nameOf: (file: string) => string): string[] {
  const counts = new Map<string, number>();
  const key = (file: string): string => nameOf(file).toLowerCase();
  for (const f of inputs) counts.set(key(f), (counts.get(key(f)) ?? 0) + 1);
  return inputs.filter((f) => (counts.get(key(f)) as number) > 1);
}

/**
 * Output names, one per input: the file's name without extension, made unique by the
 * folders above it when two inputs share a name (a/clip.mp4, b/clip.mp4 → a_clip, b_clip),
 * up to the folder the command line named (`roots`), never above: a name holds no more of
 * the machine's paths than the user typed. Names that still clash — the same name with
 * another extension or case (a.mp4, a.mov, a.MP4), or paths that join to the same name
 * (a/clip.mp4, a_clip.mp4) — get a short hash of the input's path, so two inputs never
 * write to one output.
 */
export function getOutputNames(inputs: string[], recorded: Map<string, string> = new Map(), roots: Map<string, string> = new Map()): Map<string, string> {
  const names = computeOutputNames(inputs, roots);
  // An input finished before keeps its name (adding b/clip.mp4 beside a/clip.mp4 must not
  // rename a/clip.mp4's output and redo it); a new name that meets a kept one gets the hash.
  const kept = new Map(inputs.filter((f) => recorded.has(f)).map((f) => [f, recorded.get(f) as string]));
  // Every recorded name is its input's, whether or not that input is in this run: another
  // batch into the same -o must not take it (and replace that output).
  // Nor the batch's own folder: an input named .dino-track.mp4 wrote its masks among the records (a first-time user).
  const used = new Set([bookkeepingName, ...recorded.values()].map((n) => n.toLowerCase()));
  return new Map(inputs.map((f) => {
    const name = kept.get(f) ?? names.get(f) as string;
    return [f, kept.has(f) ? name : fitName(!used.has(name.toLowerCase()) ? name : `${name}_${hashOf(f)}`, f)];
  }));
}

/**
 * The longest output name a batch gives: what a file name may hold (255), less the record's
 * `.json.PID.tmp` beside it and an overlay's `.mp4`. A 251-byte input name made a record name
 * too long: the run's output was written, then the whole batch stopped with ENAMETOOLONG,
 * and every rerun refused the output no record said was ours (a third trial).
 */
const maxOutputName = maxNameBytes - '.json.4194304.tmp'.length - '.mp4'.length;

/** `name`, or its start and its input's hash where it is longer than maxOutputName (the same on every run). */
function fitName(name: string, file: string): string {
  if (getNameLength(name) <= maxOutputName) return name;
  const tail = `_${hashOf(file)}`;
  return cutToLength(name, maxOutputName - getNameLength(tail)) + tail;
}

/** The parts of an input's path below its root, extension dropped (`a/clip.mp4` → a, clip). */
function getNameParts(file: string, root: string | undefined): string[] {
  const relative = root === undefined ? file : path.relative(root, file);
  return relative.replace(/\.[^./\\]+$/, '').split(path.sep).filter((part) => part !== '' && part !== '..');
}

/** Names from the inputs alone (see getOutputNames). */
function computeOutputNames(inputs: string[], roots: Map<string, string>): Map<string, string> {
  const parts = new Map(inputs.map((f) => [f, getNameParts(f, roots.get(f))]));
  const depth = new Map(inputs.map((f) => [f, 1]));
  const nameOf = (file: string): string => (parts.get(file) as string[]).slice(-(depth.get(file) as number)).join('_');
  for (let round = 0; round < 64; round++) {
    // Inputs whose whole relative path is already in their name cannot take more: the hash tells them apart.
    const clashing = findClashes(inputs, nameOf).filter((f) => (depth.get(f) as number) < (parts.get(f) as string[]).length);
    if (clashing.length === 0) break;
    for (const f of clashing) depth.set(f, (depth.get(f) as number) + 1);
  }
  const clashing = new Set(findClashes(inputs, nameOf));
  return new Map(inputs.map((f) => [f, clashing.has(f) ? `${nameOf(f)}_${hashOf(f)}` : nameOf(f)]));
}

/**
 * Leaves out the inputs that are this batch's own outputs: with `-o` inside an input
 * folder, a second run would otherwise track the overlays the first one wrote.
 * @param outputs the outputs finished batches recorded (files, or folders of outputs)
 */
export function withoutOutputs(inputs: string[], outputs: string[]): string[] {
  return inputs.filter((input) => !outputs.some((output) => isWithin(input, output)));
}
