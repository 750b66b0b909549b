import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { formats } from '../export/format-names.js';
import { progressModes } from './progress.js';
import { devices } from './track-options.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The command table. Handlers are imported lazily so `--help` starts fast. */
export function buildProgram(): Command {
  const program = new Command('dino-track')
    .description('Track objects in video with the self-attention of a DINO vision transformer')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });

  program
    .command('track', { isDefault: true })
    .description('track objects in a video; write an overlay video or mask files')
    .argument('[input]', 'input video file (optional with --features and mask formats)')
    .option('-o, --output <path>', 'overlay video (.mp4) or output directory for mask formats')
    .option('--format <list>', `comma list of ${formats.join(', ')} (default: overlay for a .mp4 -o, else davis)`)
    .option('--model <name|file>', 'registry model name or a .onnx file (default: dino-vits16, downloaded once)')
    .addOption(new Option('--device <device>', 'inference provider').choices(devices).default('auto'))
    .option('--threshold <mass>', "share of attention mass kept as foreground (DINO's threshold)", '0.6')
    .option('--overlay <mode>', 'overlay look: masks, attention (DINO heatmap) or side-by-side (input | masks)', 'masks')
    .option('--max-objects <n>', 'most objects tracked at once', '8')
    .option('--occlusion-frames <n>', 'frames an occluded object is kept for re-identification (default: 2 s of video)')
    .option('--init-mask <png>', 'prompted mode: propagate the objects of this indexed PNG (0 background, k = object k)')
    .option('--init-frame <n>', 'frame the --init-mask annotates', '0')
    .option('--context-frames <n>', 'prompted mode: previous frames used besides the annotated one', '7')
    .option('--window <patches>', 'prompted mode: neighbourhood half-size in patches', '12')
    .option('--top-k <k>', 'prompted mode: neighbours kept per patch', '5')
    .option('--features <file|dir>', 'read a feature cache instead of running the model')
    .option('--save-features <file>', 'also write the model outputs as a feature cache (safetensors)')
    .option('--features-dtype <f32|f16>', 'precision of --save-features', 'f32')
    .option('--short-side <px>', 'model input short side in pixels (rounded to the patch size)', '480')
    .option('--batch <n>', 'frames per model call (helps on GPUs)', '1')
    .option('--threads <n>', 'CPU threads for onnxruntime (0 = all cores)', '0')
    .addOption(new Option('--progress <mode>', 'progress on stderr').choices(progressModes).default('auto'))
    .option('--overwrite', 'replace an existing output')
    .option('--verbose', 'say what was chosen; show ffmpeg/onnxruntime warnings and stack traces')
    .addHelpText('after', '\nExamples:\n  dino-track input.mp4 -o out.mp4\n  dino-track input.mp4 -o out.mp4 --model vit.onnx --device cpu --progress json\n  dino-track input.mp4 -o out/ --format davis --save-features feats.safetensors\n  dino-track --features feats.safetensors -o out/ --format davis')
    .action(async (input: string | undefined, options) => {
      const { runTrackCommand } = await import('./track-command.js');
      await runTrackCommand(input, options);
    });

  const models = program.command('models').description('list, download, inspect and prepare models');
  models.command('list').description('known models and whether they are cached').action(async () => {
    (await import('./models-command.js')).runModelsList();
  });
  models
    .command('pull')
    .description('download a model into the cache')
    .argument('<name>', 'registry model name')
    .addOption(new Option('--progress <mode>', 'progress on stderr').choices(progressModes).default('auto'))
    .action(async (name: string, options: { progress: (typeof progressModes)[number] }) => {
      await (await import('./models-command.js')).runModelsPull(name, options.progress);
    });
  models
    .command('info')
    .description('show what dino-track finds in an ONNX ViT')
    .argument('<file>', '.onnx model')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      await (await import('./models-command.js')).runModelsInfo(file, Boolean(options.json));
    });
  models
    .command('prepare')
    .description('add cls_attn/patch_tokens outputs and resize position embeddings for one input size')
    .argument('<file>', 'source .onnx model (official-style export)')
    .requiredOption('--size <HxW>', 'input height x width in pixels, multiples of the patch size')
    .requiredOption('-o, --output <file>', 'prepared .onnx to write')
    .option('--overwrite', 'replace an existing output')
    .action(async (file: string, options: { size: string; output: string; overwrite?: boolean }) => {
      await (await import('./models-command.js')).runModelsPrepare(file, options.size, options.output, Boolean(options.overwrite));
    });
  program
    .command('eval')
    .description('score predicted masks against ground truth: DAVIS J and F, id switches, IDF1')
    .requiredOption('--pred <dir>', 'predicted masks (a folder of PNGs, or a track output folder)')
    .requiredOption('--gt <dir>', 'ground-truth masks, same file names (DAVIS convention: 0 background, k = object k)')
    .option('--json', 'print JSON')
    .action(async (options: { pred: string; gt: string; json?: boolean }) => {
      await (await import('./eval-command.js')).runEval(options.pred, options.gt, Boolean(options.json));
    });
  return program;
}
