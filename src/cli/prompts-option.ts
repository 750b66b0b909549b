import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { runRecordName } from '../export/output-folder.js';
import type { PromptFrame } from '../track/index.js';
import { isHiddenFile } from '../util/paths.js';

/** A prompt's name: the frame index, as the davis format names its masks (`00042.png`). */
export const promptName = /^(\d+)\.png$/i;

/**
 * The PNGs of a `--prompts` folder, each the prompt of the frame its name gives
 * (`00000.png`, `00042.png` …, so a user can edit some of our own DAVIS output and feed it
 * back). Other files are refused rather than ignored: a misnamed correction would be lost.
 * @throws InputError when the folder cannot be read; UsageError when it is empty, an earlier run's output, or holds a file not named by a frame
 */
export function listPrompts(dir: string): PromptFrame[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--prompts ${dir} is a file; give a folder of PNGs named by frame index (00000.png, 00042.png …), or use --init-mask for one PNG`);
    names = readdirSync(dir).filter((name) => !isHiddenFile(name)).sort();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    // Missing or unreadable is a bad input, as a missing --init-mask or video (exit 1).
    throw new InputError(`--prompts ${dir} cannot be read (${(error as NodeJS.ErrnoException).code}); give a folder of PNGs named by frame index (00000.png, 00042.png …)`);
  }
  // An earlier run's folder rather than its masks/ (a first-time user's trial: told only that coco.json is misnamed).
  if (existsSync(path.join(dir, runRecordName)) && statSync(path.join(dir, 'masks'), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--prompts ${dir} is the output of an earlier run; its prompts are the PNGs in its masks folder: --prompts ${path.join(dir, 'masks')}`);
  }
  const prompts: PromptFrame[] = [];
  for (const name of names) {
    const match = promptName.exec(name);
    if (!match && statSync(path.join(dir, name), { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`--prompts ${dir} holds a folder, ${name}; prompts are the PNGs at its top, named by frame index (00000.png, 00042.png …): move the folder out`);
    }
    // A mask saved in another format under a frame's name (a paint tool's JPEG): the format is what is wrong.
    const otherFormat = /^(\d+)\.(\w+)$/.exec(name);
    if (!match && otherFormat) throw new UsageError(`--prompts ${dir} holds ${name}, a .${otherFormat[2]} file; prompts are PNGs (lossy formats such as JPEG blur the ids at edges): save it as ${otherFormat[1]}.png with hard edges, or move the file out`);
    if (!match) throw new UsageError(`--prompts ${dir} holds ${name}, which is not named by a frame index; name prompts 00000.png, 00042.png … (as the davis format does), or move the file out`);
    const frame = Number(match[1]);
    // Past 2^53 the number is not the name's (99999999999999999999 reads as 1e20): no video is that long.
    if (!Number.isSafeInteger(frame)) throw new UsageError(`--prompts ${dir} holds ${name}, a frame index past any video's end; rename or remove it`);
    const twin = prompts.find((p) => p.frame === frame);
    if (twin) throw new UsageError(`--prompts ${dir} holds ${path.basename(twin.file)} and ${name}, both for frame ${frame}; keep one`);
    prompts.push({ frame, file: path.join(dir, name) });
  }
  if (prompts.length === 0) throw new UsageError(`--prompts ${dir} holds no PNG named by a frame index; add e.g. 00000.png (0 background, k = object k)`);
  return prompts.sort((a, b) => a.frame - b.frame);
}
