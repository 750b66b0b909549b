import { closeSync, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { cacheFormat } from '../features/index.js';
import { getOverlayMark } from '../video/index.js';

/** The file outputs `--overwrite` may replace, each recognised by a mark it carries. */
export type OwnFileKind = 'overlay' | 'features' | 'model';

/** What `models prepare` and `models quantize` write as the ONNX file's producer_name. */
export const modelProducer = 'dino-track';
/** The bytes of an ONNX file read for its producer_name (protobuf writes fields 1-6 before the graph, 7). */
const modelHeadBytes = 64 * 1024;

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

/** Whether the MP4 file's `moov` box holds `mark`. */
function hasOverlayMark(fd: number, mark: string): boolean {
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
    if (type === 'moov') return boxSize <= maxMoovBytes && readAt(fd, position, boxSize).includes(mark);
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

/** A protobuf varint at `at`: its value and the offset after it (undefined past the end). */
function readVarint(bytes: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  for (let shift = 0, i = at; i < bytes.length && shift < 50; shift += 7, i++) {
    value += (bytes[i] & 0x7f) * 2 ** shift;
    if ((bytes[i] & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}

/** Whether the ONNX file's producer_name (field 2 of ModelProto, before the graph) is ours. */
function hasModelProducer(fd: number): boolean {
  const head = readAt(fd, 0, modelHeadBytes);
  let at = 0;
  while (at < head.length) {
    const tag = readVarint(head, at);
    if (!tag) return false;
    const [field, wire] = [Math.floor(tag.value / 8), tag.value % 8];
    if (field === 7 || field === 0) return false;
    if (wire === 0) {
      const skipped = readVarint(head, tag.next);
      if (!skipped) return false;
      at = skipped.next;
    } else if (wire === 2) {
      const length = readVarint(head, tag.next);
      if (!length) return false;
      if (field === 2) return head.toString('utf8', length.next, length.next + length.value) === modelProducer;
      at = length.next + length.value;
    } else {
      return false;
    }
  }
  return false;
}

/**
 * Whether `file` is an output of dino-track's of that kind, which `--overwrite` may replace: an
 * overlay carries a mark in its MP4 metadata, a feature cache names its format in its header, a
 * prepared or quantized model has dino-track as its producer.
 * A user's file of the same name was replaced (a third trial: a text `draft.mp4`, a
 * `notes.safetensors`); folders were already checked against their run record.
 */
export function isOwnFile(file: string, kind: OwnFileKind): boolean {
  let fd: number;
  try {
    // A named pipe would block the open (a review): only a regular file can be ours.
    if (!statSync(file).isFile()) return false;
    fd = openSync(file, 'r');
  } catch {
    return false;
  }
  try {
    // The name and folder the file really has: through a link to our overlay, the overlay's own.
    return kind === 'overlay' ? hasOverlayMark(fd, getOverlayMark(realpathSync(file))) : kind === 'features' ? hasFeatureCacheFormat(fd) : hasModelProducer(fd);
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}
