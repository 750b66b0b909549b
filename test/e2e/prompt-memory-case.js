// A prompted run whose length can be chosen, for memory checks (issue 18): a synthetic feature
// cache (320x240 frames, 20x15 patches of 16, D 64, 6 heads) of two 3x3-patch squares drifting
// one patch every 10 frames, and three prompts at 1/4, 1/2 and 3/4 of it.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeDavisPng } from '../../dist/export/index.js';
import { createFeatureCacheWriter } from '../../dist/features/index.js';
import { squareFeatures } from '../track/square-features.js';

const [width, height, patch] = [320, 240, 16];
const shape = { rows: height / patch, cols: width / patch, dim: 64, heads: 6 };

/** Squares at frame t: [row, col, id], moving so that propagation has work to do. */
const squaresAt = (t) => [[3, 2 + (Math.floor(t / 10) % 14), 1], [10, 15 - (Math.floor(t / 10) % 14), 2]];

/** Writes `frames` frames into `dir`; returns the cache file and the prompts folder. */
export async function writePromptMemoryCase(dir, frames) {
  const cache = path.join(dir, `features-${frames}.safetensors`);
  const writer = createFeatureCacheWriter(cache, { patch_size: patch, frame_width: width, frame_height: height, fps: 25, model: 'synthetic' }, 'F16');
  for (let t = 0; t < frames; t++) {
    const features = squareFeatures(shape, squaresAt(t));
    // Noise, so no two patches are alike: [rows*cols, dim]
    for (let i = 0; i < features.patchTokens.length; i++) features.patchTokens[i] += 0.1 * Math.sin(i * 12.9898 + t * 78.233);
    await writer.write({ index: t, ...shape, ...features });
  }
  await writer.finish();
  const prompts = path.join(dir, `prompts-${frames}`);
  mkdirSync(prompts);
  for (const t of [Math.floor(frames / 4), Math.floor(frames / 2), Math.floor((3 * frames) / 4)]) {
    const labels = new Uint16Array(width * height);
    for (const [r, c, id] of squaresAt(t)) for (let y = r * patch; y < (r + 3) * patch; y++) labels.fill(id, y * width + c * patch, y * width + (c + 3) * patch);
    writeFileSync(path.join(prompts, `${String(t).padStart(5, '0')}.png`), encodeDavisPng(labels, width, height));
  }
  return { cache, prompts };
}
