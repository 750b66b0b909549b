import { Command, Option } from 'commander';
import { formats } from '../export/format-names.js';
import { autoPrecision, precisionChoices } from '../model/registry.js';
import { devices } from './track-options.js';

/** Options `track` and `batch` share: what to compute and write for each video. */
export function addVideoOptions(command: Command): Command {
  return command
    .option('--format <list>', `comma list of ${formats.join(', ')} (default: overlay for a .mp4 -o, else davis)`)
    .option('--model <name|file>', 'registry model name or a .onnx file (default: dino-vits16, downloaded once)')
    .addOption(new Option('--precision <precision>', `which of a registry model's files: fp32 model.onnx, fp16 model_fp16.onnx, int8 model_quantized.onnx (auto: ${autoPrecision})`).choices(precisionChoices).default('auto'))
    .addOption(new Option('--device <device>', 'inference provider').choices(devices).default('auto'))
    .option('--threshold <mass>', "share of attention mass kept as foreground (DINO's threshold)", '0.6')
    .option('--overlay <mode>', 'overlay look: masks, attention (DINO heatmap) or side-by-side (input | masks)', 'masks')
    .option('--max-objects <n>', 'most objects tracked at once', '8')
    .option('--occlusion-frames <n>', 'frames an occluded object is kept for re-identification (default: 2 s of video)')
    .option('--short-side <px>', 'model input short side in pixels (rounded to the patch size)', '480')
    .option('--batch <n>', 'frames per model call (helps on GPUs)', '1')
    .option('--stride <n>', 'run the model on every nth frame (and the last) and interpolate the masks between (1-30)', '1')
    .option('--threads <n>', 'CPU threads for onnxruntime (0 = all cores)', '0');
}
