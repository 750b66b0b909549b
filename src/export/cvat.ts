import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { create } from 'xmlbuilder2';
import type { FrameResult } from '../track/index.js';
import { countRuns } from './runs.js';
import type { OutputWriter } from './types.js';

/** One keyframe of a CVAT mask track. */
interface CvatMask {
  frame: number;
  outside: 0 | 1;
  occluded: 0 | 1;
  /** CVAT's own RLE: row-major runs over the box, starting with background. */
  rle: string;
  left: number;
  top: number;
  width: number;
  height: number;
}

/** CVAT mask RLE of one id inside its bounding box. */
export function encodeCvatRle(labels: ArrayLike<number>, id: number, frameWidth: number, box: [number, number, number, number]): string {
  const [left, top, width] = box;
  // k walks the box row by row: pixel (left + k % width, top + k / width).
  const runs = countRuns(width * box[3], (k) => labels[(top + Math.floor(k / width)) * frameWidth + left + (k % width)] === id);
  return runs.join(', ');
}

/**
 * `cvat`: cvat.xml in "CVAT for video 1.1": one `<track>` per id with a `<mask>` keyframe
 * for every frame it is seen; while hidden it repeats its last mask with occluded="1",
 * and it closes with outside="1" on the frame after it ends, so CVAT shows the track
 * across gaps. Tracks need all their frames, so the (small) RLE strings are kept until the end.
 */
export function createCvatWriter(directory: string, fps: number): OutputWriter {
  const tracks = new Map<number, CvatMask[]>();
  let size = { width: 0, height: 0 };
  let frames = 0;
  return {
    async write(result: FrameResult) {
      size = { width: result.width, height: result.height };
      frames = result.index + 1;
      const present = new Set<number>();
      for (const object of result.objects) {
        present.add(object.id);
        const list = tracks.get(object.id) ?? [];
        tracks.set(object.id, list);
        if (!object.occluded && object.area > 0) {
          const [left, top, width, height] = object.bbox;
          list.push({ frame: result.index, outside: 0, occluded: 0, rle: encodeCvatRle(result.labels, object.id, result.width, object.bbox), left, top, width, height });
        } else if (list.length > 0 && list[list.length - 1].outside === 0) {
          list.push({ ...list[list.length - 1], frame: result.index, occluded: 1 });
        }
      }
      for (const [id, list] of tracks) {
        const last = list[list.length - 1];
        if (!present.has(id) && last && last.outside === 0) list.push({ ...last, frame: result.index, outside: 1 });
      }
    },
    async finish() {
      const root = create({ version: '1.0', encoding: 'utf-8' }).ele('annotations');
      root.ele('version').txt('1.1');
      const task = root.ele('meta').ele('task');
      task.ele('size').txt(String(frames));
      task.ele('mode').txt('interpolation');
      task.ele('start_frame').txt('0');
      task.ele('stop_frame').txt(String(Math.max(0, frames - 1)));
      task.ele('labels').ele('label').ele('name').txt('object').up().ele('type').txt('mask');
      task.ele('original_size').ele('width').txt(String(size.width)).up().ele('height').txt(String(size.height));
      task.ele('source').txt(`dino-track (${fps} fps)`);
      for (const [id, list] of [...tracks].sort(([a], [b]) => a - b)) {
        if (list.length === 0) continue;
        const track = root.ele('track', { id: String(id - 1), label: 'object', source: 'auto' });
        for (const mask of list) {
          track.ele('mask', {
            frame: String(mask.frame), keyframe: '1', outside: String(mask.outside), occluded: String(mask.occluded),
            rle: mask.rle, left: String(mask.left), top: String(mask.top), width: String(mask.width), height: String(mask.height), z_order: '0',
          });
        }
      }
      await writeFile(path.join(directory, 'cvat.xml'), root.end({ prettyPrint: true }));
    },
    abort: async () => undefined,
  };
}
