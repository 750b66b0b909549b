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

/**
 * An object's score as every format writes it: 4 decimals. The same field read from two formats
 * of one run differed (ndjson 0.8079, coco.json 0.8078719998606277, MOT 0.808: a first-time
 * user); a confidence that is no calibrated probability has no use for more.
 */
export function formatScore(score: number): number {
  return Number(score.toFixed(4));
}
