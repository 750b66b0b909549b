import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { cacheFormat } from '../features/index.js';
import { overlayMark } from '../video/index.js';

/** The file outputs `--overwrite` may replace, each recognised by a mark it carries. */
export type OwnFileKind = 'overlay' | 'features';

/** Top-level MP4 boxes looked through for `moov` (ftyp, free, mdat … come first in any order). */
const maxBoxes = 32;
/** The largest `moov` read whole: ~20 bytes of sample tables a frame, so hours of video. */
const maxMoovBytes = 64 * 2 ** 20;
/** The largest safetensors header read (ours are a few kB). */
const maxHeaderBytes = 16 * 2 ** 20;

/** `length` bytes of the open file at `position` (fewer at its end). */
function readAt(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const read = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, read);
}

/** Whether the MP4 file's `moov` box holds the overlay mark. */
function hasOverlayMark(fd: number): boolean {
  const size = fstatSync(fd).size;
  let position = 0;
  for (let k = 0; k < maxBoxes && position + 8 <= size; k++) {
    const header = readAt(fd, position, 16);
    if (header.length < 8) return false;
    let boxSize = header.readUInt32BE(0);
    const type = header.toString('latin1', 4, 8);
    if (k === 0 && type !== 'ftyp') return false;
    if (boxSize === 1) boxSize = Number(header.readBigUInt64BE(8));
    else if (boxSize === 0) boxSize = size - position;
    if (boxSize < 8) return false;
    if (type === 'moov') return boxSize <= maxMoovBytes && readAt(fd, position, boxSize).includes(overlayMark);
    position += boxSize;
  }
  return false;
}

/** Whether the safetensors file's header names our feature cache format. */
function hasFeatureCacheFormat(fd: number): boolean {
  const lengthBytes = readAt(fd, 0, 8);
  if (lengthBytes.length < 8) return false;
  const length = Number(lengthBytes.readBigUInt64LE(0));
  if (length <= 0 || length > maxHeaderBytes) return false;
  try {
    const header = JSON.parse(readAt(fd, 8, length).toString('utf8')) as { __metadata__?: { format?: unknown } };
    return typeof header.__metadata__?.format === 'string' && header.__metadata__.format.startsWith(cacheFormat.split('/')[0]);
  } catch {
    return false;
  }
}

/**
 * Whether `file` is an output of dino-track's of that kind, which `--overwrite` may replace: an
 * overlay carries a mark in its MP4 metadata, a feature cache names its format in its header.
 * A user's file of the same name was replaced (a third trial: a text `draft.mp4`, a
 * `notes.safetensors`); folders were already checked against their run record.
 */
export function isOwnFile(file: string, kind: OwnFileKind): boolean {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    return kind === 'overlay' ? hasOverlayMark(fd) : hasFeatureCacheFormat(fd);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
