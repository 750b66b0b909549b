/** Pixel refinement: soft patch masks → masks that follow the edges of the full-resolution frame. */
export { refineFrame, refineMasks, refineDefaults, type RefineInput, type RefineTuning } from './refine-frame.js';
export { filterGuided, type GuidedFilterOptions, type GuideImage, type MaskVote } from './guided-filter.js';
export { getBoxMean } from './box-filter.js';
export { openRefiner, type Refiner } from './refiner.js';

/** `--refine`: `auto` refines whenever the frames are decoded; `guided` insists; `none` keeps the patch masks. */
export const refineModes = ['auto', 'none', 'guided'] as const;
export type RefineMode = (typeof refineModes)[number];
