import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { UsageError } from '../errors.js';
import type { Format } from '../export/format-names.js';
import type { PromptFrame } from '../track/index.js';

/** The largest id the davis format's 8-bit PNG holds. */
const maxDavisId = 255;

/**
 * Share of an id's pixels that touch another value (4-neighbours) above which the id is a
 * line along an edge rather than an object: a blended (anti-aliased) edge between two ids
 * makes 1-2 pixel wide bands of in-between values, every pixel of which touches both sides.
 * A painted object of 3x3 pixels or more has inner pixels; only specks of 1-2 pixels reach it.
 */
const edgeLineShare = 0.9;

interface IdStats {
  pixels: number;
  /** Pixels with a 4-neighbour of another value. */
  edge: number;
}

/** Pixels per id (0 left out) of one single-channel label image, and how many lie on an edge. */
function countIds(data: ArrayLike<number>, width: number, height: number, stats: Map<number, IdStats>): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const id = data[k];
      if (id === 0) continue;
      const onEdge = (x > 0 && data[k - 1] !== id) || (x < width - 1 && data[k + 1] !== id) || (y > 0 && data[k - width] !== id) || (y < height - 1 && data[k + width] !== id);
      const entry = stats.get(id) ?? { pixels: 0, edge: 0 };
      entry.pixels++;
      if (onEdge) entry.edge++;
      stats.set(id, entry);
    }
  }
}

/**
 * Checks the prompt PNGs' ids before any work, where it is certain from the PNGs alone:
 * an id the davis PNG cannot hold, and more objects than `--max-objects` (said as blended
 * edges when most of the extra ids are thin lines along other ids' edges). A PNG that cannot
 * be read or decoded is left to the tracker, which reports it with the frame size known.
 * @throws UsageError naming the file or the folder and what to do
 */
export function checkPromptIds(prompt: { prompts: PromptFrame[]; source: string; option: string }, maxObjects: number, formats: Format[]): void {
  const stats = new Map<number, IdStats>();
  for (const { file } of prompt.prompts) {
    let image;
    try {
      image = decode(readFileSync(file));
    } catch {
      continue;
    }
    if (image.channels !== 1) continue;
    const before = new Set(stats.keys());
    countIds(image.data, image.width, image.height, stats);
    const tooLarge = formats.includes('davis') ? [...stats.keys()].find((id) => id > maxDavisId && !before.has(id)) : undefined;
    if (tooLarge !== undefined) {
      throw new UsageError(`${prompt.option} ${file} marks id ${tooLarge}, which the davis format's 8-bit PNG cannot hold; number the objects 1-${maxDavisId}, or leave davis out of --format (coco, ytvis, cvat, mot and ndjson hold any id)`);
    }
  }
  if (stats.size <= maxObjects) return;
  const lines = [...stats.values()].filter((s) => s.edge / s.pixels >= edgeLineShare).length;
  if (lines >= stats.size - maxObjects) {
    throw new UsageError(`${prompt.source} marks ${stats.size} objects, more than --max-objects ${maxObjects}, and ${lines} of them are thin lines along other objects' edges: the PNG has blended (anti-aliased) edges; paint it with hard edges and save it without smoothing or resizing, so that each pixel holds one object's id`);
  }
  throw new UsageError(`${prompt.source} marks ${stats.size} objects, more than --max-objects ${maxObjects}; raise --max-objects`);
}
