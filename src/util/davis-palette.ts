/**
 * The DAVIS palette (the PASCAL VOC colour map): index k gets the colour whose bits are
 * spread from k's bits. Used for PNG palettes and overlay colours, so an id has the same
 * colour in every output.
 */
export function getPaletteColor(index: number): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  let k = index;
  for (let shift = 7; k > 0 && shift >= 0; shift--, k >>= 3) {
    r |= (k & 1) << shift;
    g |= ((k >> 1) & 1) << shift;
    b |= ((k >> 2) & 1) << shift;
  }
  return [r, g, b];
}

/** The 256-entry DAVIS palette as RGB triples. */
export function getDavisPalette(): [number, number, number][] {
  return Array.from({ length: 256 }, (_, i) => getPaletteColor(i));
}
