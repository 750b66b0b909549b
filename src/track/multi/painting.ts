import { getUpsampledRegion, upsampleBilinear } from '../upsample.js';

/** Patches set in a patch mask. */
export function countPatches(mask: Uint8Array): number {
  let area = 0;
  for (let i = 0; i < mask.length; i++) area += mask[i];
  return area;
}

/** `[firstRow, firstCol, lastRow, lastCol]` of a patch mask; undefined when empty. */
export function getPatchBox(mask: Uint8Array, rows: number, cols: number): [number, number, number, number] | undefined {
  let r0 = rows;
  let c0 = cols;
  let r1 = -1;
  let c1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / cols);
    const c = i % cols;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
    if (c < c0) c0 = c;
    if (c > c1) c1 = c;
  }
  return r1 < 0 ? undefined : [r0, c0, r1, c1];
}

/** Patch masks (id → `[rows*cols]`) → pixel label map `[height, width]`: each mask upsampled smoothly, the strongest above one half wins. */
export function paintLabels(masks: Map<number, Uint8Array>, rows: number, cols: number, width: number, height: number): Uint16Array {
  const labels = new Uint16Array(width * height);
  const best = new Float32Array(width * height).fill(0.5);
  for (const [id, mask] of masks) {
    const box = getPatchBox(mask, rows, cols);
    if (!box) continue;
    const region = getUpsampledRegion(box, rows, cols, width, height);
    const dense = upsampleBilinear(Float32Array.from(mask), rows, cols, width, height, region);
    const [left, top, right, bottom] = region;
    for (let y = top; y < bottom; y++) {
      for (let i = y * width + left; i < y * width + right; i++) {
        if (dense[i] > best[i]) {
          best[i] = dense[i];
          labels[i] = id;
        }
      }
    }
  }
  return labels;
}
