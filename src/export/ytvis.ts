import path from 'node:path';
import type { FrameResult } from '../track/index.js';
import { createScratchDir, readLines, type ScratchDir } from '../util/scratch-dir.js';
import { openStreamWriter, type StreamWriter } from '../util/stream-writer.js';
import { encodeCocoRle } from './coco-rle.js';
import { sharedMembers } from './coco.js';
import { getFrameFileName } from './frame-file.js';
import type { OutputWriter } from './types.js';

/** Characters gathered before a write while assembling (fewer, larger writes). */
const flushChars = 1 << 16;

/** One visible object-frame in a track's scratch file: `[frame, area, bbox, counts]`. */
type Entry = [number, number, [number, number, number, number], string];

/** Writes `items` as the elements of a JSON array, in chunks. */
async function writeArray(out: StreamWriter, items: AsyncIterable<string> | Iterable<string>): Promise<void> {
  let chunk = '[';
  let first = true;
  for await (const item of items) {
    chunk += first ? item : `,${item}`;
    first = false;
    if (chunk.length >= flushChars) {
      await out.write(chunk);
      chunk = '';
    }
  }
  await out.write(`${chunk}]`);
}

/** One per-frame list of a track: `pick(entry)` on its frames, null on the others. */
async function* listPerFrame(file: string, frames: number, pick: (entry: Entry) => string): AsyncGenerator<string> {
  let frame = 0;
  for await (const line of readLines(file)) {
    const entry = JSON.parse(line) as Entry;
    for (; frame < entry[0]; frame++) yield 'null';
    yield pick(entry);
    frame++;
  }
  for (; frame < frames; frame++) yield 'null';
}

function* listFileNames(frames: number): Generator<string> {
  for (let t = 0; t < frames; t++) yield JSON.stringify(getFrameFileName(t));
}

/**
 * `ytvis`: ytvis.json in the YouTube-VIS layout: one video, one annotation per track
 * (`id` = track id) with per-frame lists of compressed RLE (as `coco` writes it), areas and
 * bboxes, null where the object is not visible. A track's lists are only complete at the
 * end, so each visible object-frame goes to that track's scratch file as it comes; the
 * file is assembled at the end by reading those back one track at a time. Memory holds one
 * open file per object visible in the current frame and the set of ids, never the masks.
 */
export function createYtvisWriter(directory: string): OutputWriter {
  let scratch: ScratchDir | undefined;
  const open = new Map<number, StreamWriter>();
  const ids = new Set<number>();
  let size = { width: 0, height: 0 };
  let frames = 0;
  return {
    async write(result: FrameResult) {
      scratch ??= await createScratchDir(path.join(directory, '.ytvis-scratch'));
      size = { width: result.width, height: result.height };
      frames = result.index + 1;
      const visible = result.objects.filter((o) => !o.occluded && o.area > 0);
      for (const object of visible) {
        // Reopened in append mode when a track comes back after being hidden.
        const file = open.get(object.id) ?? scratch.open(`${object.id}.ndjson`, ids.has(object.id));
        open.set(object.id, file);
        ids.add(object.id);
        const entry: Entry = [result.index, object.area, object.bbox, encodeCocoRle(result.labels, object.id, result.width, result.height).counts];
        await file.write(`${JSON.stringify(entry)}\n`);
      }
      const seen = new Set(visible.map((o) => o.id));
      for (const [id, file] of open) {
        if (seen.has(id)) continue;
        open.delete(id);
        await file.end();
      }
    },
    async finish() {
      for (const file of open.values()) await file.end();
      open.clear();
      const out = openStreamWriter(path.join(directory, 'ytvis.json'));
      const rleSize = JSON.stringify([size.height, size.width]);
      try {
        const video = `{"id":1,"width":${size.width},"height":${size.height},"length":${frames},"file_names":`;
        await out.write(`{${sharedMembers},"videos":[${video}`);
        await writeArray(out, listFileNames(frames));
        await out.write('}],"annotations":[');
        let first = true;
        for (const id of [...ids].sort((a, b) => a - b)) {
          const file = path.join((scratch as ScratchDir).path, `${id}.ndjson`);
          await out.write(`${first ? '' : ','}{"id":${id},"video_id":1,"category_id":1,"iscrowd":0,"segmentations":`);
          first = false;
          await writeArray(out, listPerFrame(file, frames, (e) => `{"size":${rleSize},"counts":${JSON.stringify(e[3])}}`));
          await out.write(',"areas":');
          await writeArray(out, listPerFrame(file, frames, (e) => String(e[1])));
          await out.write(',"bboxes":');
          await writeArray(out, listPerFrame(file, frames, (e) => JSON.stringify(e[2])));
          await out.write('}');
        }
        await out.write(']}\n');
        await out.end();
      } catch (error) {
        out.destroy();
        throw error;
      }
      await scratch?.remove();
    },
    async abort() {
      for (const file of open.values()) file.destroy();
      open.clear();
      await scratch?.remove();
    },
  };
}
