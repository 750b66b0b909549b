/** Export stage: one writer per output format. */
export { createOverlayWriter } from './overlay.js';
export { findVideoFormat, formats, isVideoTarget, overlayModes, type Format, type OverlayMode } from './format-names.js';
export { getDavisPalette, getOverlayColor, getPaletteColor } from './colors.js';
export { drawMasks_ } from './draw.js';
export type { OutputWriter } from './types.js';
export { createDavisWriter, encodeDavisPng } from './davis.js';
export { createCocoWriter } from './coco.js';
export { createYtvisWriter } from './ytvis.js';
export { createFramesWriter } from './frames.js';
export { openOutputs, type OutputOptions } from './outputs.js';
export { decodeCocoRle, encodeCocoRle, encodeRleCounts, decodeRleCounts, getColumnMajorRuns } from './coco-rle.js';
export { createCvatWriter, encodeCvatRle } from './cvat.js';
