import path from 'node:path';
import { commitOrKeepBeside, createAtomicPath } from '../util/atomic-path.js';
import { onCleanup } from '../util/cleanup.js';
import { encodeVideo, type VideoInfo } from '../video/index.js';
import { drawMasks_ } from './draw.js';
import { drawAttention_ } from './heatmap.js';
import type { OverlayMode } from './format-names.js';
import type { OutputWriter } from './types.js';


export interface OverlayOptions {
  video: VideoInfo;
  target: string;
  /** Where `target` will be once its run is put in place (an overlay in a folder output is written inside the folder's temporary sibling); `target` when absent. */
  finalTarget?: string;
  /** masks: fill + outline + ids; attention: DINO-style heatmap; side-by-side: input left, masks right (twice as wide). */
  mode?: OverlayMode;
  /** Replace a file at `target` (one there at the start was allowed by --overwrite); otherwise one that appears meanwhile is kept. */
  overwrite?: boolean;
  verbose?: boolean;
}

/** Places two RGB24 frames of equal size next to each other. */
function placeSideBySide(left: Uint8Array, right: Uint8Array, width: number, height: number): Buffer {
  const out = Buffer.allocUnsafe(width * 2 * height * 3); // [height, 2*width, 3]
  const row = width * 3;
  for (let y = 0; y < height; y++) {
    out.set(left.subarray(y * row, (y + 1) * row), y * row * 2);
    out.set(right.subarray(y * row, (y + 1) * row), y * row * 2 + row);
  }
  return out;
}

/** Writes the input video with the tracking drawn over it (H.264 MP4, input fps, audio kept). */
export function createOverlayWriter(options: OverlayOptions): OutputWriter {
  const mode = options.mode ?? 'masks';
  const output = createAtomicPath(options.target);
  const { video } = options;
  const encoded = mode === 'side-by-side' ? { ...video, width: video.width * 2 } : video;
  const encoder = encodeVideo({ video: encoded, outputPath: output.temp, target: options.finalTarget ?? options.target, audioFrom: video.path, verbose: options.verbose });
  const unregister = onCleanup(() => encoder.abort());
  return {
    async write(result, image) {
      if (!image) throw new Error('the overlay needs the decoded frame');
      const seconds = result.time ?? result.index / video.fps;
      if (mode === 'attention') {
        drawAttention_(image, result);
        await encoder.write(image, seconds);
      } else if (mode === 'side-by-side') {
        const original = Buffer.from(image);
        drawMasks_(image, result);
        await encoder.write(placeSideBySide(original, image, video.width, video.height), seconds);
      } else {
        drawMasks_(image, result);
        await encoder.write(image, seconds);
      }
    },
    async finish() {
      await encoder.finish();
      unregister();
      await commitOrKeepBeside(output, options.overwrite ?? false);
    },
    async abort() {
      encoder.abort();
      unregister();
      await output.discard();
    },
  };
}
