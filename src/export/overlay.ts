import { createAtomicPath } from '../util/atomic-path.js';
import { onCleanup } from '../util/cleanup.js';
import { encodeVideo, type VideoInfo } from '../video/index.js';
import { drawMasks_ } from './draw.js';
import type { OutputWriter } from './types.js';

export interface OverlayOptions {
  video: VideoInfo;
  target: string;
  verbose?: boolean;
}

/** Writes the input video with each object's mask drawn over it (H.264 MP4, input fps, audio kept). */
export function createOverlayWriter(options: OverlayOptions): OutputWriter {
  const output = createAtomicPath(options.target);
  const encoder = encodeVideo({ video: options.video, outputPath: output.temp, audioFrom: options.video.path, verbose: options.verbose });
  const unregister = onCleanup(() => encoder.abort());
  return {
    async write(result, image) {
      if (!image) throw new Error('the overlay needs the decoded frame');
      drawMasks_(image, result);
      await encoder.write(image);
    },
    async finish() {
      await encoder.finish();
      unregister();
      await output.commit();
    },
    async abort() {
      encoder.abort();
      unregister();
      await output.discard();
    },
  };
}
