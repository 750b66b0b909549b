import path from 'node:path';
import type { FrameResult } from '../track/index.js';
import { copyFileInto, createScratchDir, type ScratchDir } from '../util/scratch-dir.js';
import { openStreamWriter, type StreamWriter } from '../util/stream-writer.js';
import { encodeCocoRle } from './coco-rle.js';
import { formatScore, getFrameFileName, getFrameTime } from './frame-file.js';
import type { OutputWriter } from './types.js';

/** The `info` and `categories` members coco.json and ytvis.json share, as JSON text. */
export const sharedMembers = `"info":${JSON.stringify({ description: 'dino-track', version: '1' })},"categories":${JSON.stringify([{ id: 1, name: 'object', supercategory: 'object' }])}`;

const head = `{${sharedMembers},"annotations":[`;

/** The annotations of one frame, as JSON objects: one per visible object. */
function getCocoAnnotations(result: FrameResult, firstId: number): object[] {
  return result.objects.filter((o) => !o.occluded && o.area > 0).map((object, k) => ({
    id: firstId + k,
    image_id: result.index + 1,
    category_id: 1,
    segmentation: encodeCocoRle(result.labels, object.id, result.width, result.height),
    area: object.area,
    bbox: object.bbox,
    iscrowd: 0,
    track_id: object.id,
    occluded: false,
    score: formatScore(object.score),
  }));
}

/**
 * `coco`: coco.json with one image per frame (named as `frames` writes them), one generic
 * `object` category, and one annotation per visible object and frame (compressed RLE,
 * bbox, area, track_id). Streamed: annotations go to the file as they come, image entries
 * to a scratch file that is appended as the `images` array at the end; nothing is held.
 */
export function createCocoWriter(directory: string, fps: number): OutputWriter {
  const json = openStreamWriter(path.join(directory, 'coco.json'));
  let scratch: ScratchDir | undefined;
  let images: StreamWriter | undefined;
  let annotations = 0;
  let frames = 0;
  return {
    async write(result) {
      if (!scratch) {
        scratch = await createScratchDir(path.join(directory, '.coco-scratch'));
        images = scratch.open('images.json');
        await json.write(head);
      }
      const image = { id: result.index + 1, file_name: getFrameFileName(result.index), width: result.width, height: result.height, frame_index: result.index, time: getFrameTime(result, fps) };
      await (images as StreamWriter).write(`${frames > 0 ? ',' : ''}${JSON.stringify(image)}`);
      frames++;
      for (const annotation of getCocoAnnotations(result, annotations + 1)) {
        await json.write(`${annotations > 0 ? ',' : ''}${JSON.stringify(annotation)}`);
        annotations++;
      }
    },
    async finish() {
      if (!scratch || !images) await json.write(`${head}],"images":[]}\n`);
      else {
        await images.end();
        await json.write('],"images":[');
        await copyFileInto(json, path.join(scratch.path, 'images.json'));
        await json.write(']}\n');
        await scratch.remove();
      }
      await json.end();
    },
    async abort() {
      json.destroy();
      images?.destroy();
      await scratch?.remove();
    },
  };
}
