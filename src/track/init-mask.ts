import { open, readFile } from 'node:fs/promises';
import { decode } from 'fast-png';
import { InputError } from '../errors.js';
import { getDavisPalette } from '../util/davis-palette.js';
import { resizeLabels } from './resize-labels.js';

/**
 * How far a mask's width/height may differ from the frame's: 5% takes masks saved at another
 * resolution with rounded sizes (848x480 against 854x480 is 0.7%), not another shape.
 */
const maskAspectTolerance = 0.05;

/**
 * Reads a DAVIS-convention mask (indexed or grey PNG: 0 background, k = object k) and
 * resizes it to the frame size by nearest neighbour.
 * @param option the option that named the file, for messages (`--init-mask`, `--prompts`)
 * @param allowEmpty a prompt may show no object (every object hidden there); an only mask may not
 * @throws InputError when the file is missing, not a PNG, neither single-channel nor in the davis palette's colours, or empty.
 */
export async function readInitMask(file: string, width: number, height: number, option = '--init-mask', allowEmpty = false): Promise<Uint16Array> {
  const image = await readLabelFile(file, option);
  checkMaskShape(`${option} ${file}`, image.width, image.height, width, height);
  const out = resizeLabels(image.data, image.width, image.height, width, height);
  if (!allowEmpty && !out.some((v) => v !== 0)) throw new InputError(`${option} ${file} marks no object (every pixel is 0); label objects 1, 2, …`);
  return out;
}

/**
 * A mask file's ids at its own size (decodeLabelMap).
 * @param option the option that named the file, for messages
 * @throws InputError when it cannot be read or decoded
 */
export async function readLabelFile(file: string, option: string): Promise<{ width: number; height: number; data: ArrayLike<number> }> {
  const bytes = await readFile(file).catch((cause: NodeJS.ErrnoException) => {
    throw unreadable(option, file, cause);
  });
  return decodeLabelMap(bytes, `${option} ${file}`);
}

/**
 * A mask PNG's id at each pixel, in every form a mask is saved in: indexed or grey at any bit
 * depth (1-, 2- and 4-bit samples unpacked), grey with alpha, or colours of the davis palette.
 * Prompts and `dino-track eval` read masks through it, so a mask one takes the other takes.
 * @param what the option and file, for messages
 * @throws InputError for bytes that are no PNG, a damaged PNG, an interlaced one below 8 bits, or colours outside the palette
 */
export function decodeLabelMap(bytes: Uint8Array, what: string): { width: number; height: number; data: ArrayLike<number> } {
  if (isInterlacedBelow8Bits(bytes)) {
    throw new InputError(`${what} is an interlaced PNG of ${bytes[24]} bits a pixel, which cannot be read here; save it without interlacing (or at 8 bits)`);
  }
  let image;
  try {
    image = decodeLabelPng(bytes);
  } catch (cause) {
    if (hasPngSignature(bytes)) throw new InputError(`${what} is a damaged or cut-short PNG (${(cause as Error).message}); save it again, or copy it whole`, { cause });
    throw new InputError(`${what} is not a PNG (${(cause as Error).message}); give an indexed PNG (DAVIS convention)`, { cause });
  }
  return { width: image.width, height: image.height, data: toLabelIds(image, what) };
}

/** The DAVIS palette's colours as 0xRRGGBB → index. */
const paletteIndex = new Map(getDavisPalette().map(([r, g, b], index) => [(r << 16) | (g << 8) | b, index]));

/**
 * The ids of an RGB or RGBA PNG painted in the DAVIS palette's colours (a paint tool that saves
 * colour, not indices, e.g. one of our masks edited and saved again): each pixel's colour is the
 * palette's colour of its id. Refused when a colour is not the palette's (blended edges, another
 * palette) or a pixel is not opaque: guessing would give wrong ids.
 * @param what the option and file, for messages
 * @throws InputError naming the first such pixel
 */
function readPaletteColours(image: { width: number; channels: number; depth: number; data: ArrayLike<number> }, what: string): Uint16Array {
  const { width, channels, data } = image;
  const convert = 'give an indexed or grey PNG where each pixel is an object id (as the davis format writes), or paint only the davis palette\'s colours with hard edges';
  if ((channels !== 3 && channels !== 4) || image.depth !== 8) throw new InputError(`${what} has ${channels} channels; ${convert}`);
  const ids = new Uint16Array(data.length / channels);
  const at = (i: number): string => `(${i % width}, ${Math.floor(i / width)})`;
  for (let i = 0; i < ids.length; i++) {
    const k = i * channels;
    const index = paletteIndex.get((data[k] << 16) | (data[k + 1] << 8) | data[k + 2]);
    if (channels === 4 && data[k + 3] !== 255) throw new InputError(`${what} is a colour PNG with a pixel not fully opaque at ${at(i)}; ${convert}`);
    if (index === undefined) throw new InputError(`${what} is a colour PNG whose colour (${data[k]}, ${data[k + 1]}, ${data[k + 2]}) at ${at(i)} is not one of the davis palette's; ${convert}`);
    ids[i] = index;
  }
  return ids;
}

/**
 * A decoded prompt's id at each pixel: its samples for a single-channel PNG (and a grey one with
 * alpha), else its colours read back through the davis palette (readPaletteColours). The pre-run id checks and the
 * tracker both read prompts through it, so a colour prompt is checked as an indexed one is.
 * @throws InputError for a colour PNG that is not in the palette's colours
 */
export function toLabelIds(image: { width: number; channels: number; depth: number; data: ArrayLike<number> }, what: string): ArrayLike<number> {
  if (image.channels === 1) return image.data;
  return image.channels === 2 ? readGreyWithAlpha(image, what) : readPaletteColours(image, what);
}

/**
 * The ids of a grey PNG with an alpha channel (a paint tool that keeps transparency saves a grey
 * mask so): each pixel's grey value, where it is opaque. It was refused as "2 channels" while
 * RGBA was read (a first-time user); a pixel not fully opaque is refused, as in RGBA.
 * @throws InputError naming the first such pixel
 */
function readGreyWithAlpha(image: { width: number; depth: number; data: ArrayLike<number> }, what: string): Uint16Array {
  const { width, data } = image;
  const opaque = 2 ** image.depth - 1;
  const ids = new Uint16Array(data.length / 2);
  for (let i = 0; i < ids.length; i++) {
    if (data[2 * i + 1] !== opaque) throw new InputError(`${what} is a grey PNG with a pixel not fully opaque at (${i % width}, ${Math.floor(i / width)}); save it without transparency, each pixel an object id`);
    ids[i] = data[2 * i];
  }
  return ids;
}

/** The error for a mask file that cannot be opened or read (missing, a folder, no permission). */
function unreadable(option: string, file: string, cause: NodeJS.ErrnoException): InputError {
  return new InputError(`${option} ${file} cannot be read (${cause.code}); check the path`, { cause });
}

/**
 * Refuses a mask of another shape than the frame's. Any size is scaled to the frame, but
 * another shape is most likely a mask of another video (or a crop): stretched, it would be
 * wrong everywhere.
 * @throws InputError
 */
function checkMaskShape(what: string, maskWidth: number, maskHeight: number, width: number, height: number): void {
  const aspect = maskWidth / maskHeight / (width / height);
  if (Math.abs(Math.log(aspect)) <= Math.log(1 + maskAspectTolerance)) return;
  // The shape of the video turned a quarter: most likely a phone video with a rotation tag,
  // whose frames are decoded upright while the tool the mask was drawn in showed them as stored.
  const turned = Math.abs(Math.log(maskWidth / maskHeight / (height / width))) <= Math.log(1 + maskAspectTolerance);
  const hint = turned ? `; it fits the video turned a quarter: frames are decoded upright (as a rotation tag says), so draw it on an upright frame, e.g. one of our davis masks` : '; give a mask of this video (any size of its shape)';
  throw new InputError(`${what} is ${maskWidth}x${maskHeight} (WxH), another shape than the video's ${width}x${height}${hint}`);
}

/**
 * Refuses, before any work, a mask file that is no PNG or whose header gives another shape
 * than the frame's: read in full only once the features are there, which for a prompted run
 * on a video is after the model has run over all of it (a review: a prompt of another video's
 * shape was refused only then). Reads each file's first bytes; what a header cannot tell
 * (a damaged PNG, colours outside the davis palette) is still found when it is read in full.
 * @throws InputError, as readInitMask words it
 */
export async function checkMaskHeaders(files: string[], width: number, height: number, option: string): Promise<void> {
  for (const file of files) {
    const handle = await open(file).catch((cause: NodeJS.ErrnoException) => {
      throw unreadable(option, file, cause);
    });
    const header = new Uint8Array(24);
    let bytesRead: number;
    try {
      ({ bytesRead } = await handle.read(header, 0, header.length, 0));
    } catch (cause) {
      // A folder opens, and fails only when read (EISDIR).
      throw unreadable(option, file, cause as NodeJS.ErrnoException);
    } finally {
      await handle.close();
    }
    if (!hasPngSignature(header)) throw new InputError(`${option} ${file} is not a PNG (it does not start as one); give an indexed PNG (DAVIS convention)`);
    if (bytesRead < header.length) throw new InputError(`${option} ${file} is a damaged or cut-short PNG (${bytesRead} bytes); save it again, or copy it whole`);
    const view = new DataView(header.buffer);
    checkMaskShape(`${option} ${file}`, view.getUint32(16), view.getUint32(20), width, height);
  }
}

/** Whether the bytes begin as every PNG does (its 8-byte signature): a file that does but cannot be decoded is damaged, not another format. */
function hasPngSignature(bytes: Uint8Array): boolean {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  return bytes.length >= signature.length && signature.every((b, k) => bytes[k] === b);
}

/**
 * Whether the PNG header says Adam7 interlacing at 1, 2 or 4 bits a sample: fast-png 8 reads
 * those passes as if each sample were a byte and fails ("Unsupported filter") or reads wrong.
 * Header bytes: 8 of signature, the IHDR chunk's length and type, width and height, then bit
 * depth (24), colour type, compression, filter and interlace method (28).
 */
function isInterlacedBelow8Bits(bytes: Uint8Array): boolean {
  return bytes.length > 28 && bytes[28] === 1 && bytes[24] < 8;
}

/**
 * A PNG decoded with one value per pixel in `data` for a single-channel image (any bit
 * depth), as the label maps of prompts are read; an indexed one's palette (colours only: ids are the indices).
 * @throws what fast-png throws for bytes that are no PNG
 */
export function decodeLabelPng(bytes: Uint8Array): { width: number; height: number; channels: number; depth: number; data: ArrayLike<number>; palette?: number[][] } {
  const image = decode(bytes);
  const data = image.channels === 1 ? unpackSamples(image.data, image.width, image.height, image.depth) : image.data;
  return { width: image.width, height: image.height, channels: image.channels, depth: image.depth, data, palette: image.palette };
}

/**
 * One value per pixel from a decoded single-channel PNG. Below 8 bits a sample (1, 2 or 4
 * bits) is packed several to a byte, each row starting on a new byte — what Pillow, GIMP and
 * pngquant write for a palette of 16 colours or fewer; read byte by byte, a 4-bit id 1 beside
 * an id 1 was id 17.
 */
function unpackSamples(data: ArrayLike<number>, width: number, height: number, depth: number): ArrayLike<number> {
  if (depth >= 8) return data;
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * width + x] = (data[y * rowBytes + (bit >> 3)] >> (8 - depth - (bit & 7))) & mask;
    }
  }
  return out;
}
