import { statSync } from 'node:fs';
import path from 'node:path';

/**
 * The output format and overlay names, apart from the writers so that option parsing
 * and `--help` do not load PNG, XML and ffmpeg code.
 */
export const formats = ['overlay', 'davis', 'coco', 'cvat', 'ytvis', 'frames', 'mot', 'ndjson'] as const;
export type Format = (typeof formats)[number];

/** What each format writes in an output folder (a file, or `masks` a folder of PNGs). */
export const folderEntries: Record<Format, string> = {
  overlay: 'overlay.mp4',
  davis: 'masks',
  coco: 'coco.json',
  cvat: 'cvat.xml',
  ytvis: 'ytvis.json',
  frames: 'frames',
  mot: 'tracks.txt',
  ndjson: 'tracks.ndjson',
};

/** Formats made from the decoded frames themselves: they need the input video, not only features. */
export const videoFormats: readonly Format[] = ['overlay', 'frames'];

/** The first of `formats` that needs the input video, if any. */
export function findVideoFormat(formats: readonly Format[]): Format | undefined {
  return formats.find((format) => videoFormats.includes(format));
}

export const overlayModes = ['masks', 'attention', 'side-by-side'] as const;
export type OverlayMode = (typeof overlayModes)[number];

/**
 * True when `-o` names one video file rather than a directory of outputs: a video file's name,
 * unless it is spelled as a folder (`clips.mp4/`) or is one already. A first-time user's
 * existing folder `clips.mp4/` was refused as "a video file", and `batch` refused the output
 * folder it named itself after `IMG_0001.MOV.mp4` (a phone clip converted) the same way.
 */
export function isVideoTarget(target: string): boolean {
  return !isFolderTarget(target) && ['.mp4', '.m4v', '.mov'].includes(path.extname(target).toLowerCase());
}

/** True when `-o` is spelled as a folder (ends in a separator) or is one already, whatever its name. */
export function isFolderTarget(target: string): boolean {
  if (/[\\/]$/.test(target)) return true;
  try {
    return statSync(target, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false; // under a file (ENOTDIR), unreadable: not a folder; the output checks say why
  }
}
