import { averageHeads, getMassCutoff } from './attention-mask.js';
import { describeLabels } from './regions.js';
import type { FrameFeatures, FrameResult, Tracker, TrackerOptions } from './types.js';
import { upsampleBilinear } from './upsample.js';

/**
 * The single-object stage: the mass-thresholded head-averaged attention is object 1.
 * Upsampling the attention before thresholding (rather than the binary patch mask)
 * gives edges that follow the attention's slope instead of patch staircases.
 */
export function createAttentionTracker(options: TrackerOptions): Tracker {
  const { width, height, threshold } = options;
  return {
    update(features: FrameFeatures): FrameResult {
      const { rows, cols, heads, clsAttention } = features;
      const attention = averageHeads(clsAttention, heads); // [rows*cols]
      const cutoff = getMassCutoff(attention, threshold);
      const dense = upsampleBilinear(attention, rows, cols, width, height); // [height, width]
      const labels = new Uint16Array(width * height);
      for (let i = 0; i < labels.length; i++) if (dense[i] >= cutoff) labels[i] = 1;
      const objects = describeLabels(labels, width, height, new Map([[1, threshold]]));
      return { index: features.index, width, height, labels, objects, attention, rows, cols };
    },
  };
}
