import type { FrameResult } from '../track/index.js';
import { upsampleBilinear } from '../track/upsample.js';

// Stops of matplotlib's inferno colour map (the look of DINO's attention figures).
const inferno: [number, number, number][] = [[0, 0, 4], [87, 16, 110], [188, 55, 84], [249, 142, 9], [252, 255, 164]];

function getInfernoColor(value: number): [number, number, number] {
  const scaled = Math.min(Math.max(value, 0), 1) * (inferno.length - 1);
  const i = Math.min(Math.floor(scaled), inferno.length - 2);
  const t = scaled - i;
  const [a, b] = [inferno[i], inferno[i + 1]];
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

const heatAlpha = 0.6;

/**
 * Blends the head-averaged CLS attention, upsampled and scaled to its maximum, over the
 * frame with the inferno colour map, in place.
 * @param image `[height, width, 3]` RGB24, modified
 */
export function drawAttention_(image: Uint8Array, result: FrameResult): void {
  const dense = upsampleBilinear(result.attention, result.rows, result.cols, result.width, result.height);
  let max = 0;
  for (const v of dense) if (v > max) max = v;
  const scale = max > 0 ? 1 / max : 0;
  for (let i = 0; i < dense.length; i++) {
    const color = getInfernoColor(dense[i] * scale);
    const p = i * 3;
    image[p] += (color[0] - image[p]) * heatAlpha;
    image[p + 1] += (color[1] - image[p + 1]) * heatAlpha;
    image[p + 2] += (color[2] - image[p + 2]) * heatAlpha;
  }
}
