import { createWriteStream, type WriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import { encodeCocoRle } from './coco-rle.js';
import type { OutputWriter } from './types.js';

/**
 * `ndjson`: one JSON object per frame, written as soon as the frame is done, so a
 * downstream process reads as we go. To stdout with `-o -`, else to a file.
 */
export function createNdjsonWriter(target: string | 'stdout', fps: number): OutputWriter {
  const stream: Writable | WriteStream = target === 'stdout' ? process.stdout : createWriteStream(target);
  return {
    async write(result) {
      const line = JSON.stringify({
        frame: result.index,
        time: Number((result.index / fps).toFixed(6)),
        objects: result.objects.map((o) => ({
          id: o.id,
          bbox: o.bbox,
          area: o.area,
          score: Number(o.score.toFixed(4)),
          occluded: o.occluded,
          rle: o.occluded ? null : encodeCocoRle(result.labels, o.id, result.width, result.height),
        })),
      });
      if (!stream.write(`${line}\n`)) await new Promise<void>((resolve) => stream.once('drain', () => resolve()));
    },
    finish: () => (target === 'stdout' ? Promise.resolve() : new Promise<void>((resolve) => stream.end(resolve))),
    abort: async () => {
      if (target !== 'stdout') stream.destroy();
    },
  };
}
