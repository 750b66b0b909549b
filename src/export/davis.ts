import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { getDavisPalette } from './colors.js';
import { encodeIndexedPng } from './indexed-png.js';
import type { OutputWriter } from './types.js';

const palette = getDavisPalette();

/** Encodes a label map as an 8-bit indexed PNG with the DAVIS palette. */
export function encodeDavisPng(labels: Uint16Array, width: number, height: number): Uint8Array {
  const indices = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const id = labels[i];
    // Decision (README): ids are never remapped, so one that cannot be a palette index is an error.
    if (id > 255) throw new InputError(`track id ${id} does not fit an 8-bit DAVIS PNG; lower --max-objects or use --format coco`);
    indices[i] = id;
  }
  return encodeIndexedPng(indices, width, height, palette);
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
      await writeFile(path.join(masks, name), encodeDavisPng(result.labels, result.width, result.height));
    },
    finish: async () => undefined,
    abort: async () => undefined,
  };
}
