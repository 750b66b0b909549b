import path from 'node:path';
import { formats as formatOrder } from '../export/format-names.js';
import { getDefaultModelName, isRegistryName, resolvePrecision } from '../model/registry.js';
import type { TrackOptions } from './track-options.js';

/**
 * What a `track` run with these (normalised) options writes, as plain data: defaults filled
 * in, the formats as a set in one order, numbers as numbers, paths resolved. Two spellings
 * of the same run (`--threshold 0.6` or none, `--format coco,davis` or `davis,coco,davis`)
 * give equal values; options that change only speed or messages (`--threads`, `--batch`,
 * `--device`, `--progress`, `--verbose`, `--quiet`) are left out. `batch` hashes it to tell
 * a finished output from one to redo.
 */
export function describeOutputShape(options: TrackOptions): object {
  const formats = formatOrder.filter((format) => options.formats.includes(format));
  const model = options.model.model ?? getDefaultModelName();
  const { prompt } = options;
  return {
    formats,
    overlayMode: formats.includes('overlay') ? options.overlayMode : undefined,
    stride: options.stride,
    refine: options.refine,
    tracker: { threshold: options.tracker.threshold, maxObjects: options.tracker.maxObjects, occlusionFrames: options.tracker.occlusionFrames ?? null },
    features: options.features ? path.resolve(options.features) : undefined,
    // Without --features the model runs; a cache already holds its outputs.
    model: options.features ? undefined : {
      model: isRegistryName(model) ? model : path.resolve(model),
      precision: isRegistryName(model) ? resolvePrecision(options.model.precision) : undefined,
      shortSide: options.model.shortSide,
      upscale: Boolean(options.model.upscale),
    },
    prompt: prompt && {
      prompts: prompt.prompts.map(({ frame, file }) => ({ frame, file: path.resolve(file) })),
      contextFrames: prompt.contextFrames, radius: prompt.radius, topK: prompt.topK, propagation: prompt.propagation, discover: prompt.discover,
    },
  };
}
