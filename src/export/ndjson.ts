import { openStreamWriter } from '../util/stream-writer.js';
import { encodeCocoRle } from './coco-rle.js';
import { formatScore, getFrameTime } from './frame-file.js';
import type { OutputWriter } from './types.js';

/**
 * `ndjson`: one JSON object per frame, written as soon as the frame is done, so a
 * downstream process reads as we go. To stdout with `-o -`, else to a file.
 */
export function createNdjsonWriter(target: string | 'stdout', fps: number): OutputWriter {
  const stream = target === 'stdout' ? openStreamWriter(process.stdout, true) : openStreamWriter(target);
  return {
    async write(result) {
      const line = JSON.stringify({
        frame: result.index,
        time: getFrameTime(result, fps),
        objects: result.objects.map((o) => ({
          id: o.id,
          bbox: o.bbox,
          area: o.area,
          score: formatScore(o.score),
          occluded: o.occluded,
          rle: o.occluded ? null : encodeCocoRle(result.labels, o.id, result.width, result.height),
        })),
      });
      await stream.write(`${line}\n`);
    },
    finish: () => stream.end(),
    abort: async () => stream.destroy(),
  };
}
