import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { isWithin } from '../util/paths.js';

/** File name endings `batch` treats as videos when it walks a folder. */
export const videoExtensions = ['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.mpg', '.mpeg', '.ts', '.mts', '.wmv', '.flv', '.3gp'];

const isVideoName = (name: string): boolean => videoExtensions.includes(path.extname(name).toLowerCase());

/** Video files under a folder, recursively, hidden entries skipped. */
function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
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
  const parts = pattern.split('/');
  const firstWild = parts.findIndex((p) => /[*?]/.test(p));
  const base = parts.slice(0, firstWild).join('/') || (pattern.startsWith('/') ? '/' : '.');
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
      if (entry.name.startsWith('.')) continue;
      const full = dir === '.' ? entry.name : path.join(dir, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && regexp.test(full)) files.push(full);
    }
  };
  visit(base);
  return files;
}

/**
 * Every input of a batch, sorted and without duplicates, so that every shard of a
 * cluster job computes the same list on its own and takes its share of it.
 * @throws UsageError when an argument names nothing
 */
export function expandInputs(args: string[]): string[] {
  const files = new Set<string>();
  for (const arg of args) {
    if (/[*?]/.test(arg)) {
      const matched = expandGlob(arg);
      if (matched.length === 0) throw new UsageError(`the pattern ${JSON.stringify(arg)} matches no file; check it, and quote it so the shell passes it on`);
      matched.forEach((f) => files.add(path.resolve(f)));
      continue;
    }
    let stats;
    try {
      stats = statSync(arg);
    } catch {
      throw new InputError(`input ${arg} does not exist; check the path`);
    }
    if (stats.isDirectory()) {
      const found: string[] = [];
      walk(arg, found);
      if (found.length === 0) throw new UsageError(`folder ${arg} has no video files (${videoExtensions.join(' ')})`);
      found.forEach((f) => files.add(path.resolve(f)));
    } else {
      files.add(path.resolve(arg));
    }
  }
  return [...files].sort();
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
 * folders above it when two inputs share a name (a/clip.mp4, b/clip.mp4 → a_clip, b_clip).
 * Names that still clash — the same name with another extension or case (a.mp4, a.mov,
 * a.MP4), or paths that join to the same name (a/clip.mp4, a_clip.mp4) — get a short hash
 * of the input's path, so two inputs never write to one output.
 */
export function getOutputNames(inputs: string[], recorded: Map<string, string> = new Map()): Map<string, string> {
  const names = computeOutputNames(inputs);
  // An input finished before keeps its name (adding b/clip.mp4 beside a/clip.mp4 must not
  // rename a/clip.mp4's output and redo it); a new name that meets a kept one gets the hash.
  const kept = new Map(inputs.filter((f) => recorded.has(f)).map((f) => [f, recorded.get(f) as string]));
  // Every recorded name is its input's, whether or not that input is in this run: another
  // batch into the same -o must not take it (and replace that output).
  const used = new Set([...recorded.values()].map((n) => n.toLowerCase()));
  return new Map(inputs.map((f) => {
    const name = kept.get(f) ?? names.get(f) as string;
    return [f, kept.has(f) || !used.has(name.toLowerCase()) ? name : `${name}_${hashOf(f)}`];
  }));
}

/** Names from the inputs alone (see getOutputNames). */
function computeOutputNames(inputs: string[]): Map<string, string> {
  const depth = new Map(inputs.map((f) => [f, 1]));
  const nameOf = (file: string): string => {
    const parts = file.replace(/\.[^./]+$/, '').split(path.sep).filter(Boolean);
    return parts.slice(-(depth.get(file) as number)).join('_');
  };
  for (let round = 0; round < 64; round++) {
    const clashing = findClashes(inputs, nameOf);
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
