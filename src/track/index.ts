/** Tracking stage: features in, labelled masks with stable ids out. */
export { averageHeads, getMassCutoff, thresholdMass } from './attention-mask.js';
export { createAttentionTracker } from './attention-tracker.js';
export { upsampleBilinear } from './upsample.js';
export type { FrameFeatures, FrameResult, TrackedObject, Tracker, TrackerOptions } from './types.js';

import { createAttentionTracker } from './attention-tracker.js';
import type { Tracker, TrackerOptions } from './types.js';

/** The tracker the pipeline uses; the one place to swap the algorithm. */
export function createTracker(options: TrackerOptions): Tracker {
  return createAttentionTracker(options);
}
