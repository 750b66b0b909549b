import { getPaletteColor } from '../util/davis-palette.js';

export { getDavisPalette, getPaletteColor } from '../util/davis-palette.js';

/** A bright overlay colour for an id (ids past 255 wrap but skip black). */
export function getOverlayColor(id: number): [number, number, number] {
  const index = ((id - 1) % 255) + 1;
  return getPaletteColor(index);
}
