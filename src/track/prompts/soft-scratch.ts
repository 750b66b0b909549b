import { open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { removeOnCleanup } from '../../util/cleanup.js';
import { floatsToHalves, halvesToFloats } from '../../util/float16.js';
import { makeTemporaryDir } from '../../util/stale-leftovers.js';

/**
 * A temporary file of per-frame soft labels, so that one pass (backwards) can hand its
 * predictions to another (forwards) without holding them: a record per frame at a fixed
 * offset, `[1 + ids * rows*cols]` float16 bits, the first value 1 when the frame was
 * written (a frame never written reads as zeros: the file is sparse). Float16 is enough:
 * soft labels lie in [0, 1] and are only compared after upsampling.
 */
export interface SoftScratch {
  /** Stores frame `index`'s soft labels (ids it lacks are stored as 0). */
  write(index: number, soft: Map<number, Float32Array>): Promise<void>;
  /** Frame `index`'s soft labels, or undefined when none were written. */
  read(index: number): Promise<Map<number, Float32Array> | undefined>;
  /** Deletes the file. */
  close(): Promise<void>;
}

/** Opens an empty scratch for `ids` on a grid of `patches`, under the system temporary folder, removed on Ctrl-C too. */
export async function openSoftScratch(ids: number[], patches: number): Promise<SoftScratch> {
  const dir = await makeTemporaryDir('dino-track-soft');
  const unregister = removeOnCleanup(dir);
  let handle: FileHandle;
  try {
    handle = await open(path.join(dir, 'soft.f16'), 'w+');
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    unregister();
    throw error;
  }
  const values = 1 + ids.length * patches; // [1 + ids * rows*cols]
  const recordBytes = values * 2;
  return {
    async write(index, soft) {
      const record = new Float32Array(values);
      record[0] = 1;
      ids.forEach((id, k) => {
        const grid = soft.get(id);
        if (grid) record.set(grid, 1 + k * patches);
      });
      const halves = floatsToHalves(record);
      await handle.write(new Uint8Array(halves.buffer), 0, recordBytes, index * recordBytes);
    },
    async read(index) {
      const bytes = Buffer.alloc(recordBytes);
      const { bytesRead } = await handle.read(bytes, 0, recordBytes, index * recordBytes);
      if (bytesRead < recordBytes) return undefined;
      const record = halvesToFloats(new Uint16Array(bytes.buffer, bytes.byteOffset, values));
      if (record[0] !== 1) return undefined;
      return new Map(ids.map((id, k) => [id, record.slice(1 + k * patches, 1 + (k + 1) * patches)]));
    },
    async close() {
      await handle.close();
      await rm(dir, { recursive: true, force: true });
      unregister();
    },
  };
}
