import { countRuns } from './runs.js';

/**
 * COCO run-length encoding as pycocotools writes it: runs over the mask in column-major
 * order, starting with a run of zeros, then packed into a string by LEB128-like 5-bit
 * groups (offset 48), each count after the second stored as the difference from the
 * count two before.
 */

/** Run lengths of one object in a label map, column-major, starting with background. */
export function getColumnMajorRuns(labels: ArrayLike<number>, id: number, width: number, height: number): number[] {
  // k walks down each column in turn: pixel (x = k / height, y = k % height).
  return countRuns(width * height, (k) => labels[(k % height) * width + Math.floor(k / height)] === id);
}

/** pycocotools' rleToString. */
export function encodeRleCounts(runs: number[]): string {
  let out = '';
  for (let i = 0; i < runs.length; i++) {
    let x = runs[i];
    if (i > 2) x -= runs[i - 2];
    let more = true;
    while (more) {
      let c = x & 0x1f;
      x >>= 5; // arithmetic shift, as the C code's signed long
      more = c & 0x10 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      out += String.fromCharCode(c + 48);
    }
  }
  return out;
}

/** pycocotools' rleFrString: the inverse of encodeRleCounts. */
export function decodeRleCounts(text: string): number[] {
  const runs: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    let c = 0;
    while (more) {
      c = text.charCodeAt(p) - 48;
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (runs.length > 2) x += runs[runs.length - 2];
    runs.push(x);
  }
  return runs;
}

/** A COCO compressed RLE segmentation for one id of a label map. */
export function encodeCocoRle(labels: ArrayLike<number>, id: number, width: number, height: number): { size: [number, number]; counts: string } {
  return { size: [height, width], counts: encodeRleCounts(getColumnMajorRuns(labels, id, width, height)) };
}

/** Decodes a COCO compressed RLE into a row-major 0/1 mask. */
export function decodeCocoRle(rle: { size: [number, number]; counts: string }): Uint8Array {
  const [height, width] = rle.size;
  const mask = new Uint8Array(width * height);
  let position = 0;
  decodeRleCounts(rle.counts).forEach((run, k) => {
    for (let i = 0; i < run; i++, position++) {
      if (k % 2 === 1) mask[(position % height) * width + Math.floor(position / height)] = 1;
    }
  });
  return mask;
}
