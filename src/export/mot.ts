import path from 'node:path';
import { openStreamWriter } from '../util/stream-writer.js';
import { formatScore } from './frame-file.js';
import type { OutputWriter } from './types.js';

/**
 * `mot`: tracks.txt, MOT challenge rows `frame,id,x,y,w,h,conf,-1,-1,-1`. MOTChallenge
 * counts frames and pixels from 1 ("all frame numbers, target IDs and bounding boxes are
 * 1-based"): a box whose first pixel is column 0 starts at 1, as the benchmark's ground
 * truth does (0-based boxes sat a pixel off it, which costs small objects IoU).
 */
export function createMotWriter(directory: string): OutputWriter {
  const stream = openStreamWriter(path.join(directory, 'tracks.txt'));
  return {
    async write(result) {
      const rows = result.objects
        .filter((o) => !o.occluded && o.area > 0)
        .map((o) => `${result.index + 1},${o.id},${o.bbox[0] + 1},${o.bbox[1] + 1},${o.bbox[2]},${o.bbox[3]},${formatScore(o.score)},-1,-1,-1\n`);
      if (rows.length > 0) await stream.write(rows.join(''));
    },
    finish: () => stream.end(),
    abort: async () => stream.destroy(),
  };
}
