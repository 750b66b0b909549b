import path from 'node:path';
import type { FrameResult } from '../track/index.js';
import { openStreamWriter } from '../util/stream-writer.js';
import { getFrameFileName } from './frame-file.js';
import { countRuns } from './runs.js';
import type { OutputWriter } from './types.js';
import { formatElement, formatOpenTag } from './xml.js';

/**
 * The one label every mask carries, and the attribute that holds its track id. Not
 * `track_id`: CVAT reserves that name for its own tracks (CVAT_INTERNAL_ATTRIBUTES).
 */
export const cvatLabel = 'object';
export const cvatIdAttribute = 'object_id';

/** CVAT mask RLE of one id inside its bounding box `[left, top, width, height]`. */
export function encodeCvatRle(labels: ArrayLike<number>, id: number, frameWidth: number, box: [number, number, number, number]): string {
  const [left, top, width] = box;
  // k walks the box row by row: pixel (left + k % width, top + k / width).
  const runs = countRuns(width * box[3], (k) => labels[(top + Math.floor(k / width)) * frameWidth + left + (k % width)] === id);
  return runs.join(', ');
}

/** `<meta>`: the task's label (type mask, with the id attribute) and the frame size. */
function formatMeta(width: number, height: number, fps: number): string {
  const attribute = formatElement('attribute', {}, {
    children: formatElement('name', {}, { text: cvatIdAttribute }) + formatElement('mutable', {}, { text: 'False' })
      + formatElement('input_type', {}, { text: 'number' }) + formatElement('default_value', {}, { text: '0' }) + formatElement('values', {}, { text: '0;65535;1' }),
  });
  const label = formatElement('label', {}, {
    children: formatElement('name', {}, { text: cvatLabel }) + formatElement('type', {}, { text: 'mask' }) + formatElement('attributes', {}, { children: attribute }),
  });
  const size = formatElement('original_size', {}, { children: formatElement('width', {}, { text: String(width) }) + formatElement('height', {}, { text: String(height) }) });
  const task = formatElement('task', {}, {
    children: formatElement('mode', {}, { text: 'annotation' }) + formatElement('labels', {}, { children: label }) + size + formatElement('source', {}, { text: `dino-track (${fps} fps)` }),
  });
  return formatElement('meta', {}, { children: task });
}

/** One frame as CVAT writes it: an `<image>` with one `<mask>` per visible object. */
function formatImage(result: FrameResult): string {
  const masks = result.objects.filter((o) => !o.occluded && o.area > 0).map((object) => {
    const [left, top, width, height] = object.bbox;
    // The loader takes right = left + width - 1 and bottom = top + height - 1: our bbox is in pixels, inclusive.
    const mask = {
      label: cvatLabel, source: 'auto', occluded: 0, rle: encodeCvatRle(result.labels, object.id, result.width, object.bbox),
      left, top, width, height, z_order: 0, group_id: object.id,
    };
    return `\n    ${formatElement('mask', mask, { children: formatElement('attribute', { name: cvatIdAttribute }, { text: String(object.id) }) })}`;
  });
  const image = formatOpenTag('image', { id: result.index, name: getFrameFileName(result.index), width: result.width, height: result.height });
  return `  ${image}${masks.join('')}${masks.length > 0 ? '\n  ' : ''}</image>\n`;
}

/**
 * `cvat`: cvat.xml in "CVAT for images 1.1", the way CVAT writes mask shapes: one
 * `<image>` per frame, one `<mask>` shape per visible object (none while it is hidden).
 * CVAT's loader keeps every such shape, whereas it turns a `<track>` of masks into one
 * shape. The id rides as the shape's `group_id` and an `object_id` attribute. Each frame
 * is written as it comes; nothing is held.
 */
export function createCvatWriter(directory: string, fps: number): OutputWriter {
  const stream = openStreamWriter(path.join(directory, 'cvat.xml'));
  let started = false;
  return {
    async write(result: FrameResult) {
      if (!started) await stream.write(`<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  ${formatMeta(result.width, result.height, fps)}\n`);
      started = true;
      await stream.write(formatImage(result));
    },
    async finish() {
      await stream.write(started ? '</annotations>\n' : '<?xml version="1.0" encoding="utf-8"?>\n<annotations><version>1.1</version></annotations>\n');
      await stream.end();
    },
    abort: async () => stream.destroy(),
  };
}
