import { Command } from 'commander';
import { formats } from '../export/format-names.js';
import { autoPrecision, precisionChoices } from '../model/registry.js';
import { refineModes } from '../refine/index.js';
import { devices } from './track-options.js';
import { createChoiceOption } from './validate.js';

/**
 * Options `track` and `batch` share: what to compute and write for each video, in help
 * groups by importance. `formatDefault` says what each command writes without --format.
 */
export function addVideoOptions(command: Command, formatDefault: string): Command {
  return command
    .option('--format <list>', `comma list of ${formats.join(', ')} (default: ${formatDefault})`)
    .option('--overlay <mode>', 'overlay look: masks, attention (DINO heatmap) or side-by-side (input | masks) (default: masks)')
    .optionsGroup('Model:')
    .option('--model <name|file>', 'registry model name or a .onnx file (default: dino-vits16, downloaded once)')
    .addOption(createChoiceOption('--precision <precision>', `which of a registry model's files: fp32 model.onnx, fp16 model_fp16.onnx, int8 model_quantized.onnx (default: auto: ${autoPrecision})`, precisionChoices))
    .addOption(createChoiceOption('--device <device>', 'inference provider (default: auto: cuda, then webgpu, then cpu)', devices))
    .option('--short-side <px>', 'model input short side in pixels, rounded to the patch size (default: 480, or the video\'s own if smaller)')
    .option('--stride <n>', 'run the model on every nth frame (and the last) and interpolate the masks between, 1-30 (default: 1)')
    .addOption(createChoiceOption('--refine <mode>', 'pixel refinement of mask edges with the full-resolution frame (default: auto: on whenever the video is decoded)', refineModes))
    .option('--batch <n>', 'frames per model call, for GPUs; on WebGPU capped where larger calls ran slower, and 1 for int8 models whose masks would depend on it (default: 1)')
    .option('--threads <n>', 'CPU threads for onnxruntime, 0 = all cores (default: 0)')
    .optionsGroup('Tracking:')
    .option('--threshold <mass>', "share of attention mass kept as foreground, DINO's threshold, 0-1 (default: 0.6)")
    .option('--max-objects <n>', 'most objects tracked at once, 1-255 (default: 8)')
    .option('--occlusion-frames <n>', 'frames an object may be fully hidden and come back with its id (default: 2 s of video)');
}
