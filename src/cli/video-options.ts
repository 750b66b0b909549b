import { Command } from 'commander';
import { formats } from '../export/format-names.js';
import { refineModes } from '../refine/index.js';
import { devices } from './track-options.js';
import { createChoiceOption } from './validate.js';

/** Options `track` and `batch` share: what to compute and write for each video. */
export function addVideoOptions(command: Command): Command {
  return command
    .option('--format <list>', `comma list of ${formats.join(', ')} (default: overlay for a .mp4 -o, else davis)`)
    .option('--model <name|file>', 'registry model name or a .onnx file (default: dino-vits16, downloaded once)')
    .addOption(createChoiceOption('--device <device>', 'inference provider (default: auto: cuda, then webgpu, then cpu)', devices))
    .option('--threshold <mass>', "share of attention mass kept as foreground, DINO's threshold (default: 0.6)")
    .option('--overlay <mode>', 'overlay look: masks, attention (DINO heatmap) or side-by-side (input | masks) (default: masks)')
    .option('--max-objects <n>', 'most objects tracked at once (default: 8)')
    .option('--occlusion-frames <n>', 'frames an occluded object is kept for re-identification (default: 2 s of video)')
    .option('--short-side <px>', 'model input short side in pixels, rounded to the patch size (default: 480, or the video\'s own if smaller)')
    .option('--batch <n>', 'frames per model call, helps on GPUs (default: 1)')
    .option('--stride <n>', 'run the model on every nth frame (and the last) and interpolate the masks between, 1-30 (default: 1)')
    .addOption(createChoiceOption('--refine <mode>', 'pixel refinement of mask edges with the full-resolution frame (default: auto: on whenever the video is decoded)', refineModes))
    .option('--threads <n>', 'CPU threads for onnxruntime, 0 = all cores (default: 0)');
}
