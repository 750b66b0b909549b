import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { autoPrecision, precisionChoices, type PrecisionChoice } from '../model/registry.js';
import { progressModes } from './progress.js';
import { createChoiceOption, refuseRepeatedOptions } from './validate.js';
import { batchHelp, prepareHelp, programHelp, quantizeHelp, trackHelp } from './help-texts.js';
import { addVideoOptions } from './video-options.js';
import { listModels } from '../model/registry.js';
import { scoringProtocols, type ScoringProtocol } from '../eval/index.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The command that runs when none is named: `dino-track in.mp4 -o out.mp4`. */
export const defaultCommand = 'track';

/** The command table. Handlers are imported lazily so `--help` starts fast. */
export function buildProgram(): Command {
  const program = new Command('dino-track')
    .description('Track objects in video with the self-attention of a DINO vision transformer')
    .version(version, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, outputError: () => undefined });

  program.addHelpText('after', programHelp);

  const track = program
    .command(defaultCommand, { isDefault: true })
    .description('track objects in a video; write an overlay video or mask files (the default command)')
    .argument('[input]', 'input video file (optional with --features and mask formats)')
    .optionsGroup('Output:')
    .option('-o, --output <path>', '(required) overlay video (.mp4, .m4v, .mov), a folder for mask formats, or - for ndjson on stdout');
  addVideoOptions(track, 'overlay for a video -o, ndjson for -o -, else davis');
  track
    .optionsGroup('Feature cache:')
    .option('--features <file|dir>', 'read a feature cache instead of running the model')
    .option('--save-features <file>', 'also write the model outputs as a feature cache (safetensors)')
    .option('--features-dtype <f32|f16>', 'precision of --save-features (default: f32)')
    .optionsGroup('Prompted mode (propagate annotated masks):')
    .option('--init-mask <png>', 'indexed PNG of one frame: 0 background, k = object k; exactly those objects are tracked')
    .option('--init-frame <n>', 'frame the --init-mask annotates (default: 0)')
    .option('--prompts <dir>', 'indexed PNGs named by frame (00000.png, 00042.png …), each ground truth on its frame; propagated both ways')
    .option('--discover', 'also track objects no prompt marks, with new ids')
    .option('--propagation <mode>', 'improved (re-anchors lost objects) or reference (exactly DINO\'s algorithm) (default: improved)')
    .option('--context-frames <n>', 'previous frames used besides the annotated one (default: 7)')
    .option('--window <patches>', 'neighbourhood half-size in patches (default: 12)')
    .option('--top-k <k>', 'neighbours kept per patch (default: 5)')
    .optionsGroup('Run:')
    .addOption(createChoiceOption('--progress <mode>', 'progress on stderr (default: auto: a bar on a terminal)', progressModes))
    .option('--overwrite', 'replace the output of an earlier run')
    .option('--verbose', 'say what was chosen; show ffmpeg/onnxruntime warnings and stack traces')
    .option('-q, --quiet', 'no closing line (what was written, frames, objects, time)')
    .addHelpText('after', trackHelp)
    .action(async (input: string | undefined, options) => {
      const { runTrackCommand } = await import('./track-command.js');
      await runTrackCommand(input, options);
    });

  const batch = program
    .command('batch')
    .description('track many videos, one output each; resumable, shardable across machines')
    .argument('<inputs...>', 'video files, folders (their videos, recursively) or quoted glob patterns')
    .optionsGroup('Output:')
    .requiredOption('-o, --output <dir>', '(required) output folder: one overlay (NAME.mp4) or one folder of mask files (NAME/) per input');
  addVideoOptions(batch, 'overlay, one NAME.mp4 per input');
  batch
    .optionsGroup('Batch:')
    .option('--jobs <n>', 'videos processed at once (default: 1)')
    .option('--shard <i/n>', 'process only the i-th of n equal shares (0-based), e.g. $JOB_COMPLETION_INDEX/8 or $SLURM_ARRAY_TASK_ID/8')
    .option('--timeout <s>', 'give up on one video after this many seconds, 0 = never (default: 0)')
    .option('--redo', 'process every input again, even those recorded as done')
    .optionsGroup('Run:')
    .addOption(createChoiceOption('--progress <mode>', 'progress on stderr: a bar over all videos, or one JSON line per video update; with none, no line per finished video either (default: auto: a bar on a terminal, a line per finished video)', progressModes))
    .option('--verbose', 'show each video\'s full error output')
    .option('-q, --quiet', 'no closing summary line (failures are still listed, and exit 1)')
    .addHelpText('after', batchHelp)
    .action(async (inputs: string[], options, command: Command) => {
      const { runBatchCommand } = await import('./batch-command.js');
      await runBatchCommand(inputs, options, command);
    });

  const models = program.command('models').description('list, download, inspect, prepare, quantize and clean models');
  models.command('list').description('known models and whether they are cached').action(async () => {
    (await import('./models-command.js')).runModelsList();
  });
  models
    .command('pull')
    .description('download a model into the cache')
    .argument('<name>', `registry model: ${listModels().map((m) => m.name).join(', ')}`)
    .addOption(createChoiceOption('--precision <precision>', `fp32 model.onnx, fp16 model_fp16.onnx or int8 model_quantized.onnx (default: auto: ${autoPrecision})`, precisionChoices))
    .addOption(createChoiceOption('--progress <mode>', 'progress on stderr (default: auto: a bar on a terminal)', progressModes))
    .action(async (name: string, options: { precision?: PrecisionChoice; progress?: (typeof progressModes)[number] }) => {
      await (await import('./models-command.js')).runModelsPull(name, options.precision ?? 'auto', options.progress ?? 'auto');
    });
  models
    .command('clean')
    .description('remove the prepared models track cached (one per model and input size; made again when needed)')
    .action(async () => {
      (await import('./models-clean.js')).runModelsClean();
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
    .requiredOption('--size <HxW>', 'input HEIGHTxWIDTH in pixels (height first), multiples of the patch size')
    .requiredOption('-o, --output <file>', 'prepared .onnx to write')
    .option('--overwrite', 'replace an existing output')
    .addHelpText('after', prepareHelp)
    .action(async (file: string, options: { size: string; output: string; overwrite?: boolean }) => {
      await (await import('./models-command.js')).runModelsPrepare(file, options.size, options.output, Boolean(options.overwrite));
    });
  models
    .command('quantize')
    .description('write a dynamic int8 copy of a float32 model (faster on CPU)')
    .argument('<file>', 'float32 .onnx model (model.onnx, or models/export_dino.py output)')
    .requiredOption('-o, --output <file>', 'int8 .onnx to write')
    .option('--overwrite', 'replace an existing output')
    .addHelpText('after', quantizeHelp)
    .action(async (file: string, options: { output: string; overwrite?: boolean }) => {
      await (await import('./models-command.js')).runModelsQuantize(file, options.output, Boolean(options.overwrite));
    });
  program
    .command('eval')
    .description('score predicted masks against ground truth: DAVIS J and F, id switches, IDF1')
    .requiredOption('--pred <dir>', 'predicted masks (a folder of PNGs, or a track output folder)')
    .requiredOption('--gt <dir>', 'ground-truth masks, same file names (DAVIS convention: 0 background, k = object k, 255 void: not scored)')
    .addOption(
      createChoiceOption(
        '--protocol <protocol>',
        "how predicted ids are paired with objects (default: unsupervised): davis2017-evaluation's unsupervised (the pairing with the best mean J&F, every frame) or semi-supervised (id k is object k, first and last frames not scored), or idf1 (IDF1's pairing: most frames at J > 0.5, as the benchmarks score)",
        scoringProtocols,
      ),
    )
    .option('--json', 'print JSON')
    .action(async (options: { pred: string; gt: string; json?: boolean; protocol?: ScoringProtocol }) => {
      await (await import('./eval-command.js')).runEval(options.pred, options.gt, Boolean(options.json), options.protocol);
    });
  refuseRepeatedOptions(program);
  return program;
}
