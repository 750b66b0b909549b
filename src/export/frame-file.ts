/**
 * The frame file name every format refers to: `00000.jpg`, what `frames` writes, so
 * coco.json, ytvis.json and cvat.xml point at the extracted frames.
 */
export function getFrameFileName(index: number): string {
  return `${String(index).padStart(5, '0')}.jpg`;
}

/**
 * A frame's time in seconds as every format writes it: the decoded timestamp, else
 * `index / fps`, to the microsecond, so a decoded 7 x 0.2 s is 1.4, not 1.4000000000000001
 * (COCO wrote the raw value while NDJSON rounded it).
 */
export function getFrameTime(result: { index: number; time?: number }, fps: number): number {
  return Number((result.time ?? result.index / fps).toFixed(6));
}
