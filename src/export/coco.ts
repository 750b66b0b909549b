import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { encodeCocoRle } from './coco-rle.js';
import type { OutputWriter } from './types.js';

/**
 * `coco`: coco.json with one image per frame, one generic `object` category, and one
 * annotation per visible object and frame (compressed RLE, bbox, area, track_id).
 * Annotations are small strings, so they are kept until the end and the file is written
 * once; the masks themselves are never held.
 */
export function createCocoWriter(directory: string, fps: number): OutputWriter {
  const images: object[] = [];
  const annotations: object[] = [];
  return {
    async write(result) {
      const imageId = result.index + 1;
      images.push({ id: imageId, file_name: `${String(result.index).padStart(5, '0')}.png`, width: result.width, height: result.height, frame_index: result.index, time: result.time ?? result.index / fps });
      for (const object of result.objects) {
        if (object.occluded || object.area === 0) continue;
        annotations.push({
          id: annotations.length + 1,
          image_id: imageId,
          category_id: 1,
          segmentation: encodeCocoRle(result.labels, object.id, result.width, result.height),
          area: object.area,
          bbox: object.bbox,
          iscrowd: 0,
          track_id: object.id,
          occluded: false,
          score: object.score,
        });
      }
    },
    async finish() {
      const document = { info: { description: 'dino-track', version: '1' }, images, annotations, categories: [{ id: 1, name: 'object', supercategory: 'object' }] };
      await writeFile(path.join(directory, 'coco.json'), JSON.stringify(document));
    },
    abort: async () => undefined,
  };
}
