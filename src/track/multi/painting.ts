import { getUpsampledRegion, upsampleBilinear } from '../upsample.js';

/** Patches set in a patch mask. */
export function countPatches(mask: Uint8Array): number {
  let area = 0;
  for (let i = 0; i < mask.length; i++) area += mask[i];
  return area;
}

/** A patch mask grown by `reach` patches in every direction (a square neighbourhood), separably. */
export function dilatePatches(mask: Uint8Array, rows: number, cols: number, reach: number): Uint8Array {
  const across = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / cols);
    for (let c = Math.max(0, (i % cols) - reach); c <= Math.min(cols - 1, (i % cols) + reach); c++) across[r * cols + c] = 1;
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (!across[i]) continue;
    const c = i % cols;
    for (let r = Math.max(0, Math.floor(i / cols) - reach); r <= Math.min(rows - 1, Math.floor(i / cols) + reach); r++) out[r * cols + c] = 1;
  }
  return out;
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
