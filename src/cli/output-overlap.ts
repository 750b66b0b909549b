import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { isWithin } from '../util/paths.js';

/** A path the run reads: the option that named it, and the path. */
export interface ReadPath {
  name: string;
  file: string;
}

/** A path the run writes, and whether it is a folder replaced as a whole. */
export interface WritePath {
  name: string;
  file: string;
  folder: boolean;
}

/** The path with symbolic links resolved as far as it exists (a target may not exist yet). */
function resolveReal(file: string): string {
  const absolute = path.resolve(file);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = path.dirname(absolute);
    return parent === absolute ? absolute : path.join(resolveReal(parent), path.basename(absolute));
  }
}

/**
 * Whether two paths are one file: the same resolved path, or (both existing) the same
 * device and inode — a hard link, or another case of the name on a case-insensitive disk
 * (macOS, Windows), which a path comparison misses.
 */
function isSameFile(a: string, b: string): boolean {
  if (resolveReal(a) === resolveReal(b)) return true;
  try {
    const [x, y] = [statSync(a), statSync(b)];
    return x.dev === y.dev && x.ino === y.ino && x.ino !== 0;
  } catch {
    return false;
  }
}

/**
 * Refuses a run whose outputs would replace what it reads: `-o` (or `--save-features`)
 * naming the input video, or an output folder that holds the input, the feature cache or
 * the prompts. With `--overwrite` such a run used to replace the user's video with its own
 * overlay (or with a feature cache); one line, before anything starts.
 * @throws UsageError naming both paths
 */
export function refuseReplacingInputs(reads: ReadPath[], writes: WritePath[]): void {
  for (const write of writes) {
    const target = resolveReal(write.file);
    for (const read of reads) {
      const source = resolveReal(read.file);
      if (source === target || isSameFile(read.file, write.file)) throw new UsageError(`${write.name} ${write.file} is the same path as ${read.name} ${read.file}: the run would replace what it reads; give another ${write.name}`);
      if (write.folder && isWithin(source, target)) throw new UsageError(`${read.name} ${read.file} is inside ${write.name} ${write.file}, which the run replaces; move it out or give another ${write.name}`);
    }
  }
  const [first, second] = writes;
  if (first && second && resolveReal(first.file) === resolveReal(second.file)) throw new UsageError(`${first.name} and ${second.name} name the same path, ${first.file}; give them different names`);
  // A file written inside a folder output would go with it: the folder is built aside and
  // moved into place whole, replacing (or, when not empty, refusing) what is there.
  for (const outer of writes.filter((w) => w.folder)) {
    const inner = writes.find((w) => w !== outer && isWithin(resolveReal(w.file), resolveReal(outer.file)));
    if (inner) throw new UsageError(`${inner.name} ${inner.file} is inside ${outer.name} ${outer.file}, which the run replaces as a whole; write it outside, e.g. ${inner.name} ${path.join(path.dirname(outer.file), path.basename(inner.file))}`);
  }
}
