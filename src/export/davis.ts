import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { getDavisPalette } from './colors.js';
import { allocateScanlines, encodeIndexedPng, encodeIndexedPngAsync } from './indexed-png.js';
import type { OutputWriter } from './types.js';

const palette = getDavisPalette();

/**
 * A label map as PNG scanlines of palette indices (ids are the indices), in one pass.
 * Decision (README): ids are never remapped, so one that cannot be a palette index is an error.
 */
function toScanlines(labels: Uint16Array, width: number, height: number): Buffer {
  const scanlines = allocateScanlines(width, height);
  for (let y = 0, at = 0; y < height; y++) {
    let out = y * (width + 1) + 1;
    for (const end = at + width; at < end; at++, out++) {
      const id = labels[at];
      if (id > 255) throw new InputError(`track id ${id} does not fit an 8-bit DAVIS PNG (ids 1-255; dino-track never reuses an id, so --max-objects does not bound them); write ids past 255 with coco, ytvis, cvat, mot or ndjson`);
      scanlines[out] = id;
    }
  }
  return scanlines;
}

/** Encodes a label map as an 8-bit indexed PNG with the DAVIS palette. */
export function encodeDavisPng(labels: Uint16Array, width: number, height: number): Uint8Array {
  return encodeIndexedPng(toScanlines(labels, width, height), width, height, palette);
}

/** encodeDavisPng, compressed off the main thread (the same bytes). */
export async function encodeDavisPngAsync(labels: Uint16Array, width: number, height: number): Promise<Uint8Array> {
  return encodeIndexedPngAsync(toScanlines(labels, width, height), width, height, palette);
}

/** `davis`: masks/00000.png … in the output directory (written inside its temporary sibling). */
export function createDavisWriter(directory: string): OutputWriter {
  const masks = path.join(directory, 'masks');
  let made = false;
  return {
    async write(result) {
      if (!made) await mkdir(masks, { recursive: true });
      made = true;
      const name = `${String(result.index).padStart(5, '0')}.png`;
      await writeFile(path.join(masks, name), await encodeDavisPngAsync(result.labels, result.width, result.height));
    },
    finish: async () => undefined,
    abort: async () => undefined,
  };
}
