import { getOverlayColor } from './colors.js';
import type { FrameResult } from '../track/index.js';

const fillAlpha = 0.45;
/** Lines of frame per pixel of outline: 1 px up to 1080p, 4 px at 4K. */
const linesPerOutlinePixel = 540;
/** Lines of frame per glyph pixel: the 5-pixel-tall digits are about 3% of the frame's height. */
const linesPerGlyphPixel = 160;

/** Outline width and digit scale for a frame: both grow with it, so 4K labels read as well as 480p ones. */
export function getLabelSizes(width: number, height: number): { outline: number; glyph: number } {
  const lines = Math.min(width, height);
  return { outline: Math.max(1, Math.round(lines / linesPerOutlinePixel)), glyph: Math.max(1, Math.round(lines / linesPerGlyphPixel)) };
}

// 3×5 digit glyphs, one row per 3 bits, for the id labels.
const digits = ['111101101101111', '010110010010111', '111001111100111', '111001111001111', '101101111001001',
  '111100111001111', '111100111101111', '111001001001001', '111101111101111', '111101111001111'];

function drawText_(image: Uint8Array, width: number, height: number, text: string, left: number, top: number, color: number[], scale: number): void {
  for (let c = 0; c < text.length; c++) {
    const glyph = digits[Number(text[c])];
    if (!glyph) continue;
    for (let gy = -1; gy < 6; gy++) {
      for (let gx = -1; gx < 4; gx++) {
        const on = gy >= 0 && gy < 5 && gx >= 0 && gx < 3 && glyph[gy * 3 + gx] === '1';
        // A dark box behind the digits keeps them readable on any background.
        const rgb = on ? color : [0, 0, 0];
        for (let sy = 0; sy < scale; sy++) {
          for (let sx = 0; sx < scale; sx++) {
            const x = left + (c * 4 + gx) * scale + sx;
            const y = top + gy * scale + sy;
            if (x < 0 || y < 0 || x >= width || y >= height) continue;
            const p = (y * width + x) * 3;
            image[p] = rgb[0];
            image[p + 1] = rgb[1];
            image[p + 2] = rgb[2];
          }
        }
      }
    }
  }
}

/**
 * Draws each object's mask over the frame in place: translucent fill, solid outline,
 * and its id near the top-left of its box.
 * @param image `[height, width, 3]` RGB24, modified
 */
export function drawMasks_(image: Uint8Array, result: FrameResult): void {
  const { width, height, labels } = result;
  const colors = new Map(result.objects.map((o) => [o.id, getOverlayColor(o.id)]));
  const { outline: t, glyph: scale } = getLabelSizes(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const id = labels[i];
      if (id === 0) continue;
      const color = colors.get(id) ?? getOverlayColor(id);
      // An outline `t` pixels wide: the label `t` pixels away differs (or the frame ends).
      const edge =
        (x < t || labels[i - t] !== id) || (x >= width - t || labels[i + t] !== id) ||
        (y < t || labels[i - t * width] !== id) || (y >= height - t || labels[i + t * width] !== id);
      const p = i * 3;
      if (edge) {
        image[p] = color[0];
        image[p + 1] = color[1];
        image[p + 2] = color[2];
      } else {
        image[p] += (color[0] - image[p]) * fillAlpha;
        image[p + 1] += (color[1] - image[p + 1]) * fillAlpha;
        image[p + 2] += (color[2] - image[p + 2]) * fillAlpha;
      }
    }
  }
  for (const object of result.objects) {
    if (object.occluded || object.area === 0) continue;
    const [left, top] = object.bbox;
    drawText_(image, width, height, String(object.id), left + 2 * scale, top + 2 * scale, colors.get(object.id) ?? [255, 255, 255], scale);
  }
}
