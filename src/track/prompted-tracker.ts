import { averageHeads } from './attention-mask.js';
import { anchorAtPixelPrompt_, createDirection, getFrameTokens, stepDirection_, type StepOptions } from './prompts/direction.js';
import { describePromptedFrame, selectLabels } from './prompts/soft-labels.js';
import type { FrameFeatures, FrameResult, Tracker } from './types.js';

/** Prompted (semi-supervised) tracking from one annotated frame: DINO's video object segmentation protocol. */
export interface PromptedOptions extends StepOptions {
  width: number;
  height: number;
  patchSize: number;
  /** The annotated frame's labels `[height, width]`, 0 = background, k = object k. */
  initLabels: Uint16Array;
  initFrame: number;
}

/**
 * Propagates the annotated frame's objects forwards through the video exactly as DINO's
 * evaluation does: context = the annotated frame (one-hot labels at the patch grid) plus
 * the last n predicted frames (soft labels); affinity exp(cos/τ) between L2-normalised
 * patch tokens, restricted to a local window, top-k per target patch; soft labels
 * upsampled bilinearly to the model input size, each channel min-max normalised, argmax,
 * then nearest-resized to the frame. Background is a label like the others. Frames
 * before the annotated one are empty (the pipeline's prompted runs fill them by
 * propagating backwards: `createMultiPromptTracker`).
 */
export function createPromptedTracker(options: PromptedOptions): Tracker {
  const { width, height, patchSize } = options;
  const forward = createDirection([...new Set(options.initLabels)]);
  return {
    async update(features: FrameFeatures): Promise<FrameResult> {
      const { rows, cols, heads } = features;
      const geometry = { rows, cols, patchSize, width, height };
      const attention = averageHeads(features.clsAttention, heads);
      if (features.index < options.initFrame) return describePromptedFrame(features.index, new Uint16Array(width * height), forward.ids, attention, geometry);
      const tokens = getFrameTokens(features);
      if (!forward.anchor) {
        // The pipeline makes the annotated frame a key frame; any other first frame would get its mask.
        if (features.index !== options.initFrame) throw new Error(`internal: prompted tracking started at frame ${features.index}, not the annotated frame ${options.initFrame}`);
        anchorAtPixelPrompt_(forward, features, tokens, options.initLabels, width, height);
        return describePromptedFrame(features.index, Uint16Array.from(options.initLabels), forward.ids, attention, geometry);
      }
      const soft = await stepDirection_(forward, features, tokens, options);
      const sources = [{ soft, weight: 1 }];
      return describePromptedFrame(features.index, selectLabels(sources, forward.ids, geometry), forward.ids, attention, geometry, sources);
    },
  };
}
