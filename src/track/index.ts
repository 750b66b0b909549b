/** Tracking stage: features in, labelled masks with stable ids out. */
export { averageHeads, getMassCutoff, thresholdMass } from './attention-mask.js';
export { upsampleBilinear } from './upsample.js';
export type { BackfillFrame, FrameFeatures, FrameResult, TrackedObject, Tracker, TrackerOptions } from './types.js';

export { createMultiTracker } from './multi/tracker.js';
export { multiTrackerTuning, type MultiTrackerTuning } from './multi/tuning.js';
export { createPromptedTracker, type PromptedOptions } from './prompted-tracker.js';
export { checkMaskHeaders, decodeLabelPng, readInitMask, readLabelFile, toLabelIds } from './init-mask.js';
export { createMultiPromptTracker, type MultiPromptOptions, type PromptFrame, type RandomAccessFeatures } from './prompts/multi-prompt-tracker.js';
export { interpolateResults } from './interpolate.js';
export { paintBirth } from './backfill.js';
export { propagateMasks, type ContextFrame, type PropagationOptions } from './propagation.js';
export { jsSimilarity, type Similarity } from './similarity.js';
export { getComponents, getForeground, getProposals, type Proposal } from './proposals.js';

import { createMultiTracker } from './multi/tracker.js';
import type { Tracker, TrackerOptions } from './types.js';

/** The tracker the pipeline uses; the one place to swap the algorithm. */
export function createTracker(options: TrackerOptions): Tracker {
  return createMultiTracker(options);
}
