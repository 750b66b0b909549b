import path from 'node:path';
import { openStreamWriter } from '../util/stream-writer.js';
import type { OutputWriter } from './types.js';

/** `mot`: tracks.txt, MOT challenge rows `frame,id,x,y,w,h,conf,-1,-1,-1` (1-based frames). */
export function createMotWriter(directory: string): OutputWriter {
  const stream = openStreamWriter(path.join(directory, 'tracks.txt'));
  return {
    async write(result) {
      const rows = result.objects
        .filter((o) => !o.occluded && o.area > 0)
        .map((o) => `${result.index + 1},${o.id},${o.bbox.join(',')},${o.score.toFixed(3)},-1,-1,-1\n`);
      if (rows.length > 0) await stream.write(rows.join(''));
    },
    finish: () => stream.end(),
    abort: async () => stream.destroy(),
  };
}
