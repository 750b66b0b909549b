import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { Format } from '../export/format-names.js';
import { decodeLabelPng, toLabelIds, type PromptFrame } from '../track/index.js';
import { getDavisPalette } from '../util/davis-palette.js';

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

/**
 * How a pixel's 4-neighbours compare with it (the image's edge counts as its own value): bit 1
 * set where one is lower, bit 2 where one is higher. Bit-wise, without arrays: it runs for
 * every pixel of every prompt before the run starts (a 1080p prompt is 2 million pixels).
 */
function compareNeighbours(data: ArrayLike<number>, width: number, height: number, k: number): number {
  const id = data[k];
  const x = k % width;
  let sides = 0;
  const see = (v: number): void => {
    if (v < id) sides |= 1;
    else if (v > id) sides |= 2;
  };
  if (x > 0) see(data[k - 1]);
  if (x < width - 1) see(data[k + 1]);
  if (k >= width) see(data[k - width]);
  if (k < width * (height - 1)) see(data[k + width]);
  return sides;
}

/**
 * Pixels a band must have to be said: a blended edge leaves one along the whole side of an
 * object; where three of a run's own masks meet, painting leaves slivers of a few pixels
 * (2 px in a scan of trial 10's own davis PNGs, 320x240, a script not in the repository), which are no mistake.
 */
const minBandPixels = 8;

/**
 * A connected patch of one id (4-neighbours) that is no object but the band a blended edge
 * between two other ids makes (1 and 3 blended give 2, 0 and 3 give 1 and 2): at least
 * `edgeLineShare` of its pixels, and `minBandPixels`, lie between a lower and a higher value,
 * and it is not a short stretch beside a long hard edge of those two values (`blendedShare`).
 * Where the id is also an object elsewhere in the image, only this patch is the band.
 */
function findBlendedBand(data: ArrayLike<number>, width: number, height: number): { id: number; pixels: number; x: number; y: number } | undefined {
  const seen = new Uint8Array(width * height);
  for (let start = 0; start < seen.length; start++) {
    const id = data[start];
    if (id === 0 || seen[start]) continue;
    let between = 0;
    const members: number[] = [];
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const k = stack.pop() as number;
      members.push(k);
      if (compareNeighbours(data, width, height, k) === 3) between++;
      const x = k % width;
      const visit = (n: number): void => {
        if (!seen[n] && data[n] === id) {
          seen[n] = 1;
          stack.push(n);
        }
      };
      if (x > 0) visit(k - 1);
      if (x < width - 1) visit(k + 1);
      if (k >= width) visit(k - width);
      if (k < width * (height - 1)) visit(k + width);
    }
    const pixels = members.length;
    if (pixels < minBandPixels || between < edgeLineShare * pixels) continue;
    const [lower, higher] = getBandSides(data, width, height, members, id);
    if (pixels >= blendedShare * countContacts(data, width, height, lower, higher)) return { id, pixels, x: start % width, y: Math.floor(start / width) };
  }
  return undefined;
}

/**
 * Length of a band, against the edge its two sides share directly elsewhere, that makes it a
 * blended edge: a soft brush blends nearly all of an edge between two ids (only its straight
 * runs along the pixel grid stay hard), while a run's own masks, whose edges are all hard, can
 * hold a one-pixel line of an id along a short stretch of another object's edge (a first-time
 * user's trial: 32 pixels of id 1 between object 3 and the background, whose hard edge elsewhere
 * was 145 pixels long, in one of our own davis PNGs, fed back unchanged as the README's round trip
 * says). Set by those figures: between 32/145 and a blended edge's many times.
 */
const blendedShare = 0.5;

/** The lower and the higher id the band of `id` (its pixels `members`) lies between, as most of its pixels see them. */
function getBandSides(data: ArrayLike<number>, width: number, height: number, members: number[], id: number): [number, number] {
  const votes = new Map<string, number>();
  for (const k of members) {
    const x = k % width;
    const neighbours = [x > 0 ? k - 1 : -1, x < width - 1 ? k + 1 : -1, k >= width ? k - width : -1, k < width * (height - 1) ? k + width : -1].filter((n) => n >= 0);
    const lower = Math.max(-1, ...neighbours.map((n) => data[n]).filter((v) => v < id));
    const higher = Math.min(Infinity, ...neighbours.map((n) => data[n]).filter((v) => v > id));
    if (lower >= 0 && higher < Infinity) votes.set(`${lower}:${higher}`, (votes.get(`${lower}:${higher}`) ?? 0) + 1);
  }
  const [pair] = [...votes].reduce((a, b) => (b[1] > a[1] ? b : a));
  return pair.split(':').map(Number) as [number, number];
}

/** Pixels of id `a` with a 4-neighbour of id `b`: how long the two ids' direct edge is. */
function countContacts(data: ArrayLike<number>, width: number, height: number, a: number, b: number): number {
  let contacts = 0;
  for (let k = 0; k < width * height; k++) {
    if (data[k] !== a) continue;
    const x = k % width;
    if ((x > 0 && data[k - 1] === b) || (x < width - 1 && data[k + 1] === b) || (k >= width && data[k - width] === b) || (k < width * (height - 1) && data[k + width] === b)) contacts++;
  }
  return contacts;
}

/**
 * Share of a prompt's pixels an object id must cover, reaching all four of its edges, to be
 * taken for the background under another index: a paint tool's "optimised palette" renumbers
 * the colours, and a first-time user's re-saved prompt made the grey background object 2 (96%
 * of the frame) and the object background, which was tracked without a word. An object filling
 * nine tenths of the frame to every edge is rare but possible (a close-up), so it is said, not refused.
 */
const backgroundShare = 0.9;

/** The id that covers `backgroundShare` of the image, not all of it, and touches its four edges (the background under another index), if any. */
function findBackgroundLike(data: ArrayLike<number>, width: number, height: number): { id: number; share: number } | undefined {
  const counts = new Map<number, number>();
  for (let k = 0; k < width * height; k++) counts.set(data[k], (counts.get(data[k]) ?? 0) + 1);
  const [id, pixels] = [...counts].reduce((a, b) => (b[1] > a[1] ? b : a));
  // One value over the whole image is no renumbering (the object under another index too); a whole-frame mask is said elsewhere, if at all.
  if (id === 0 || pixels < backgroundShare * width * height || pixels === width * height) return undefined;
  const rowHas = (y: number): boolean => Array.from({ length: width }, (_, x) => data[y * width + x]).includes(id);
  const columnHas = (x: number): boolean => Array.from({ length: height }, (_, y) => data[y * width + x]).includes(id);
  return rowHas(0) && rowHas(height - 1) && columnHas(0) && columnHas(width - 1) ? { id, share: pixels / (width * height) } : undefined;
}

/**
 * A prompt whose only object is id 255: a binary mask saved 0/255, as most tools save one, where
 * DAVIS's own masks use 255 for void (uncertain borders). It becomes object 255, and the other
 * prompted objects are not visible on its frame (a first-time user's: no word was said).
 */
function describeBinaryMask(ids: Set<number>, option: string, file: string): string | undefined {
  if (ids.size !== 1 || !ids.has(255)) return undefined;
  return `${option} ${file} marks only id 255, as a 0/255 binary mask does: it is taken as object 255, and every other object as not visible on that frame; save the object as the id it has on your other prompts (1, 2, …)`;
}

/**
 * An indexed prompt whose palette colours an index as the davis palette colours another id (a
 * paint tool's reduced palette renumbered the indices, keeping the colours): ids are the indices,
 * so the object the user sees as id 3 is read as id 2, and takes over another object's track
 * without a word (a first-time user's). A palette of other colours is the user's own and says nothing.
 */
function describeRenumbered(ids: Set<number>, palette: number[][] | undefined, option: string, file: string): string | undefined {
  if (!palette) return undefined;
  for (const id of [...ids].sort((a, b) => a - b)) {
    const colour = palette[id];
    if (!colour) continue;
    const seenAs = davisColourIds.get((colour[0] << 16) | (colour[1] << 8) | colour[2]);
    if (seenAs !== undefined && seenAs !== id) {
      return `${option} ${file}: index ${id} is coloured as the davis palette's id ${seenAs}; ids are read from the indices, so that object is id ${id} (a paint tool may have renumbered the palette: save it with the davis palette, or as an RGB PNG, if it is id ${seenAs})`;
    }
  }
  return undefined;
}

/** The davis palette's colours as 0xRRGGBB → id. */
const davisColourIds = new Map(getDavisPalette().map(([r, g, b], id) => [(r << 16) | (g << 8) | b, id]));

/** Pixels per id (0 left out) of one single-channel label image, and how many lie on an edge. */
function countIds(data: ArrayLike<number>, width: number, height: number, stats: Map<number, IdStats>): void {
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = y * width + x;
      const id = data[k];
      if (id === 0) continue;
      const entry = stats.get(id) ?? { pixels: 0, edge: 0 };
      entry.pixels++;
      if (compareNeighbours(data, width, height, k) !== 0) entry.edge++;
      stats.set(id, entry);
    }
  }
}

/**
 * Checks the prompt PNGs' ids before any work, where it is certain from the PNGs alone:
 * an id the davis PNG cannot hold, and more objects than `--max-objects` (said as blended
 * edges when most of the extra ids are thin lines along other ids' edges). A PNG that cannot
 * be read or decoded, or a colour one not in the davis palette's colours (toLabelIds), is left to
 * the tracker, which reports it with the frame size known.
 * @returns a notice for the first prompt whose background seems to have another index
 *   (`findBackgroundLike`) or that holds a blended band (`findBlendedBand`): likely an
 *   anti-aliased edge, but a run's own masks can hold such a band too, so it is said, not refused
 * @throws UsageError naming the file or the folder and what to do
 */
export function checkPromptIds(prompt: { prompts: PromptFrame[]; source: string; option: string }, maxObjects: number, formats: Format[]): string | undefined {
  const stats = new Map<number, IdStats>();
  let notice: string | undefined;
  for (const { file } of prompt.prompts) {
    let image;
    try {
      const decoded = decodeLabelPng(readFileSync(file));
      image = { ...decoded, data: toLabelIds(decoded, `${prompt.option} ${file}`) };
    } catch {
      continue;
    }
    const before = new Set(stats.keys());
    const background = findBackgroundLike(image.data, image.width, image.height);
    if (background && !notice) notice = `${prompt.option} ${file}: id ${background.id} covers ${Math.round(100 * background.share)}% of the frame and reaches its four edges; if that is the background, save the PNG with the background as index 0 (a paint tool's optimised palette renumbers the colours; our own masks' palette keeps 0 for it)`;
    const band = findBlendedBand(image.data, image.width, image.height);
    if (band && !notice) notice = `${prompt.option} ${file}: ${band.pixels} pixels of id ${band.id} at (${band.x}, ${band.y}) lie between pixels of a lower and a higher id, as blended (anti-aliased) edges leave them; they are taken as id ${band.id} there (paint with hard edges and save without smoothing if that is not meant)`;
    const own = new Map<number, IdStats>();
    countIds(image.data, image.width, image.height, own);
    const ids = new Set(own.keys());
    notice ??= describeBinaryMask(ids, prompt.option, file) ?? (image.channels === 1 ? describeRenumbered(ids, image.palette, prompt.option, file) : undefined);
    for (const [id, counts] of own) {
      const total = stats.get(id) ?? { pixels: 0, edge: 0 };
      stats.set(id, { pixels: total.pixels + counts.pixels, edge: total.edge + counts.edge });
    }
    const tooLarge = formats.includes('davis') ? [...stats.keys()].find((id) => id > maxDavisId && !before.has(id)) : undefined;
    if (tooLarge !== undefined) {
      throw new UsageError(`${prompt.option} ${file} marks id ${tooLarge}, which the davis format's 8-bit PNG cannot hold; number the objects 1-${maxDavisId}, or leave davis out of --format (coco, ytvis, cvat, mot and ndjson hold any id)`);
    }
  }
  if (stats.size <= maxObjects) return notice;
  const lines = [...stats.values()].filter((s) => s.edge / s.pixels >= edgeLineShare).length;
  if (lines >= stats.size - maxObjects) {
    throw new UsageError(`${prompt.source} marks ${stats.size} objects, more than --max-objects ${maxObjects}, and ${lines} of them are thin lines along other objects' edges: the PNG has blended (anti-aliased) edges; paint it with hard edges and save it without smoothing or resizing, so that each pixel holds one object's id`);
  }
  throw new UsageError(`${prompt.source} marks ${stats.size} objects, more than --max-objects ${maxObjects}; raise --max-objects`);
}
