import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { normalizeTrackOptions } from '../../dist/cli/track-options.js';
import { parseSize } from '../../dist/cli/models-command.js';
import { makeTempDir, runCli } from '../fixtures.js';

const dir = makeTempDir();
// The files the checks read exist (their content is not read): a missing input is reported
// before the options that concern the output, so the cases below would not reach theirs.
process.chdir(dir);
for (const file of ['in.mp4', 'f.safetensors']) writeFileSync(file, '');
// Options the user did not give are absent: the defaults are applied by normalizeTrackOptions.
const defaults = { output: `${dir}/out.mp4` };
// A --prompts folder that already holds frame 30's prompt.
mkdirSync('held');
writeFileSync('held/00030.png', '');
mkdirSync('held-short');
writeFileSync('held-short/30.png', '');

describe('track options → context', () => {
  it('maps defaults', () => {
    const options = normalizeTrackOptions('in.mp4', defaults);
    assert.equal(options.tracker.threshold, 0.6);
    assert.equal(options.tracker.maxObjects, 8);
    assert.deepEqual(options.formats, ['overlay']);
    assert.equal(options.batch, 1);
    assert.equal(options.model.shortSide, 480);
    assert.equal(options.model.device, 'auto');
    assert.equal(options.progress, 'auto');
  });

  for (const [override, message] of [
    [{ threshold: '0' }, 'Expected a number greater than 0 and at most 1 for --threshold but received "0"'],
    [{ threshold: '1.5' }, 'Expected a number greater than 0 and at most 1 for --threshold but received "1.5"'],
    [{ threshold: 'abc' }, 'Expected a number greater than 0 and at most 1 for --threshold but received "abc"'],
    [{ threshold: '60' }, 'Expected a number greater than 0 and at most 1 for --threshold but received "60"; for 60% write 0.6'],
    [{ batch: '0' }, 'Expected an integer between 1 and 256 for --batch but received "0"'],
    [{ batch: '2.5' }, 'Expected an integer between 1 and 256 for --batch but received "2.5"'],
    [{ shortSide: '8' }, 'Expected an integer between 16 and 4320 for --short-side but received "8"'],
    [{ device: 'tpu' }, 'Expected one of auto, cpu, cuda, webgpu for --device but received "tpu"'],
    [{ precision: 'fp8' }, 'Expected one of auto, fp32, fp16, int8 for --precision but received "fp8"'],
    [{ precision: 'int8', model: 'vit.onnx' }, '--precision int8 picks one of a registry model\'s files, but --model vit.onnx is a file; drop --precision or give a registry name'],
    [{ progress: 'loud' }, 'Expected one of auto, bar, json, none for --progress but received "loud"'],
    [{ output: undefined }, 'Expected an output path for -o, --output but received nothing; e.g. -o out.mp4 or -o out/'],
    [{ output: `${dir}/out.txt` }, `Expected a video file name ending in .mp4, .m4v or .mov, or a directory, for -o, --output but received "${dir}/out.txt"; for a folder of that name end it with a slash (-o ${dir}/out.txt/)`],
    [{ output: `${dir}/run.v2` }, `Expected a video file name ending in .mp4, .m4v or .mov, or a directory, for -o, --output but received "${dir}/run.v2"; for a folder of that name end it with a slash (-o ${dir}/run.v2/) or give --format`],
    // A second trial: following "or give --format", `-o y.mkv --format overlay` made a folder y.mkv/ holding overlay.mp4.
    [{ output: `${dir}/x.mkv` }, `-o ${dir}/x.mkv is a video name (.mkv), but the overlay is written as MP4: give -o ${dir}/x.mp4 (.m4v and .mov work too), or for a folder of that name end it with a slash (-o ${dir}/x.mkv/)`],
    [{ output: `${dir}/z.avi`, format: 'davis,coco' }, `-o ${dir}/z.avi is a video name (.avi), but --format davis,coco writes a folder; give a folder name, or for a folder of that name end it with a slash (-o ${dir}/z.avi/)`],
    [{ output: `${dir}/y.webm`, format: 'overlay' }, `-o ${dir}/y.webm is a video name (.webm), but the overlay is written as MP4: give -o ${dir}/y.mp4 (.m4v and .mov work too), or for a folder of that name end it with a slash (-o ${dir}/y.webm/)`],
    // A mode that does not exist is said before "add overlay to --format", which would only lead to it.
    [{ output: `${dir}/masks-out/`, overlay: 'heat' }, 'Expected one of masks, attention, side-by-side for --overlay but received "heat"'],
    [{ format: 'davis,gif' }, 'Expected one of overlay, davis, coco, cvat, ytvis, frames, mot, ndjson for --format but received "gif"'],
    [{ format: 'davis,' }, 'Expected a comma list of overlay, davis, coco, cvat, ytvis, frames, mot, ndjson for --format but received "davis,"'],
    [{ format: 'davis,,coco' }, 'Expected a comma list of overlay, davis, coco, cvat, ytvis, frames, mot, ndjson for --format but received "davis,,coco"'],
    [{ format: 'davis' }, `-o ${dir}/out.mp4 is a video file, which holds only the overlay; give a directory for --format davis`],
    [{ overlay: 'x-ray' }, 'Expected one of masks, attention, side-by-side for --overlay but received "x-ray"'],
    [{ maxObjects: '0' }, 'Expected an integer between 1 and 255 for --max-objects but received "0"'],
    [{ featuresDtype: 'f8', saveFeatures: `${dir}/f.safetensors` }, 'Expected one of F32, F16 for --features-dtype but received "F8"'],
    [{ topK: '3' }, '--top-k is for prompted mode; give --init-mask or --prompts too, or leave --top-k out'],
    [{ initFrame: '4' }, '--init-frame is for prompted mode; give --init-mask too, or leave --init-frame out'],
    [{ prompts: 'fixes', initFrame: '4' }, "--init-frame goes with --init-mask; with --prompts each PNG's name is its frame, so leave --init-frame out"],
    [{ initMask: 'fixes/00034.png' }, "--init-mask fixes/00034.png is named as frame 34's mask, but annotates frame 0 without --init-frame; add --init-frame 34 (or --init-frame 0 if it is frame 0's)"],
    [{ prompts: 'fixes', initMask: 'm.png' }, '--init-mask and --prompts do not go together: copy m.png into fixes as 00000.png, or give only one of the two'],
    // A first-time user gave --init-frame 10 and was told to name the file 00000.png.
    [{ prompts: 'fixes', initMask: 'out1/masks/00010.png', initFrame: '10' }, '--init-mask and --prompts do not go together: copy out1/masks/00010.png into fixes as 00010.png, or give only one of the two'],
    // A first-time user's trial: a mask named as frame 30's (no --init-frame) was to be copied as 00000.png, and the folder already held a 00030.png.
    [{ prompts: 'fixes', initMask: 'sh/masks/00030.png' }, "--init-mask and --prompts do not go together: copy sh/masks/00030.png into fixes as 00030.png (if it is frame 30's mask, as its name says), or give only one of the two"],
    // Any name with the number is that frame's prompt (a review).
    [{ prompts: 'held-short', initMask: 'm.png', initFrame: '30' }, "--init-mask and --prompts do not go together: held-short already holds 30.png, frame 30's prompt: edit that one, or give only one of the two"],
    [{ prompts: 'held', initMask: 'sh/masks/00030.png' }, "--init-mask and --prompts do not go together: held already holds 00030.png, frame 30's prompt (if it is frame 30's mask, as its name says): edit that one, or give only one of the two"],
    [{ features: 'f.safetensors', output: `${dir}/o`, model: 'x.onnx' }, '--model does nothing with --features (the model already ran when the cache was saved); leave it out'],
    [{ features: 'f.safetensors', output: `${dir}/o`, shortSide: '240' }, '--short-side does nothing with --features (the model already ran when the cache was saved); leave it out'],
    [{ featuresDtype: 'f16' }, '--features-dtype sets the precision of --save-features; give --save-features too, or leave it out'],
    [{ output: `${dir}/o`, overlay: 'attention' }, '--overlay attention changes only the overlay video; add overlay to --format, or leave it out'],
    [{ features: 'a.safetensors', saveFeatures: 'b.safetensors' }, '--features and --save-features do not go together: the features are already saved'],
    [{ initMask: 'm.png', propagation: 'magic' }, 'Expected one of improved, reference for --propagation but received "magic"'],
    [{ discover: true }, '--discover adds objects to prompted mode; give --init-mask or --prompts too (without them every object is discovered anyway)'],
    [{ stride: '31' }, 'Expected an integer between 1 and 30 for --stride but received "31"'],
    [{ stride: '2', saveFeatures: 'b.safetensors' }, '--stride and --save-features do not go together: a feature cache holds every frame; save it without --stride, then track it with --stride'],
    [{ output: '/no/such/dir/out.mp4' }, 'output directory /no/such/dir does not exist; create it first'],
    // A second trial: a file where the folder should be was to be "created first".
    [{ output: 'in.mp4/out/' }, `output directory ${dir}/in.mp4 is a file, not a folder; give another -o`],
    [{ output: 'in.mp4/x/out.mp4' }, `output directory ${dir}/in.mp4/x cannot be a folder: ${dir}/in.mp4 is a file; give another -o`],
    // A second trial: found only at the end, as a raw ENAMETOOLONG.
    [{ output: `${'n'.repeat(252)}.mp4` }, `-o ${'n'.repeat(252)}.mp4 has a name of 256 bytes, more than a file name may hold (255); give a shorter name`],
    [{ refine: 'bilateral' }, 'Expected one of auto, none, guided for --refine but received "bilateral"'],
  ]) {
    it(`rejects ${JSON.stringify(override)}`, () => {
      assert.throws(() => normalizeTrackOptions('in.mp4', { ...defaults, ...override }), (error) => {
        assert.equal(error.message, message);
        assert.equal(error.exitCode, 2);
        return true;
      });
    });
  }

  it('infers davis for a directory and refuses a missing input without --features', () => {
    assert.deepEqual(normalizeTrackOptions('in.mp4', { ...defaults, output: `${dir}/masks-out` }).formats, ['davis']);
    assert.throws(() => normalizeTrackOptions(undefined, { ...defaults, output: `${dir}/masks-out` }), /Expected an input video, or a feature cache with --features/);
    assert.throws(() => normalizeTrackOptions(undefined, { ...defaults, features: 'f.safetensors' }), /the overlay format needs the input video/);
    assert.throws(() => normalizeTrackOptions(undefined, { ...defaults, output: `${dir}/frames-out`, format: 'coco,frames', features: 'f.safetensors' }),
      (error) => error.exitCode === 2 && error.message === 'the frames format needs the input video; give it as INPUT alongside --features');
  });

  it('resolves --refine: auto refines exactly when the video is given; guided without the video is refused', () => {
    const folder = { ...defaults, output: `${dir}/masks-out` };
    for (const [input, raw, expected] of [
      ['in.mp4', {}, 'guided'],
      ['in.mp4', { refine: 'none' }, 'none'],
      ['in.mp4', { features: 'f.safetensors' }, 'guided'],
      [undefined, { features: 'f.safetensors' }, 'none'],
      [undefined, { features: 'f.safetensors', refine: 'none' }, 'none'],
    ]) assert.equal(normalizeTrackOptions(input, { ...folder, ...raw }).refine, expected, JSON.stringify([input, raw]));
    assert.throws(() => normalizeTrackOptions(undefined, { ...folder, features: 'f.safetensors', refine: 'guided' }), (error) => {
      assert.equal(error.message, '--refine guided needs the frames; give the input video alongside --features, or leave --refine out');
      assert.equal(error.exitCode, 2);
      return true;
    });
  });

  it('reports a bad value before an output in the way, and refuses a data file name as a folder', async () => {
    const taken = makeTempDir();
    writeFileSync(`${taken}/notes.txt`, 'mine');
    // Both wrong: the value comes first, so one fix does not lead to the next refusal.
    assert.throws(() => normalizeTrackOptions('in.mp4', { output: taken, threshold: '2' }), /for --threshold but received "2"/);
    assert.throws(() => normalizeTrackOptions('in.mp4', { output: `${dir}/results.json`, format: 'coco' }), (error) => {
      assert.equal(error.message, `-o ${dir}/results.json names a file, but --format coco writes a folder (coco.json inside it); give a folder name, e.g. -o ${dir}/results/`);
      assert.equal(error.exitCode, 2);
      return true;
    });
  });

  it('refuses a path option given empty (an unset shell variable), which ran another kind of run', () => {
    // A first-time user: --prompts "" ran unsupervised and exited 0; --features "" started a model download.
    for (const [key, flag] of [['prompts', '--prompts'], ['initMask', '--init-mask'], ['saveFeatures', '--save-features'], ['features', '--features'], ['model', '--model']]) {
      assert.throws(() => normalizeTrackOptions('in.mp4', { output: `${dir}/out`, format: 'davis', [key]: '' }), (error) => {
        assert.equal(error.name, 'UsageError');
        assert.match(error.message, new RegExp(`^Expected .* for ${flag} but received "" \\(an empty value: is a shell variable unset\\?\\)$`));
        return true;
      }, flag);
    }
  });

  it('parses HxW sizes', () => {
    assert.deepEqual(parseSize('320x480'), { height: 320, width: 480 });
    assert.throws(() => parseSize('320'), /Expected HEIGHTxWIDTH/);
  });
});

describe('command line', () => {
  it('--help lists the commands and exits 0', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /track \[options\] \[input\]/);
    assert.match(stdout, /models/);
  });

  it('track --help shows the options', async () => {
    const { code, stdout } = await runCli(['track', '--help']);
    assert.equal(code, 0);
    for (const option of ['--output', '--model', '--device', '--threshold', '--progress', '--batch']) assert.ok(stdout.includes(option), option);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await runCli(['--version']);
    assert.equal(code, 0);
    assert.match(stdout.trim(), /^\d+\.\d+\.\d+$/);
  });

  it('an unknown option is one line and exit 2, no stack', async () => {
    const { code, stderr } = await runCli(['in.mp4', '-o', 'x.mp4', '--bogus']);
    assert.equal(code, 2);
    assert.match(stderr, /^dino-track: error: unknown option '--bogus'/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });

  it('a nonexistent input is one line and exit 1, no stack', async () => {
    const { code, stderr } = await runCli(['/no/such/video.mp4', '-o', `${dir}/a.mp4`]);
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 1);
    assert.match(stderr, /input \/no\/such\/video.mp4 does not exist/);
    assert.doesNotMatch(stderr, /\n\s+at /);
  });

  // Options with fixed choices are checked while parsing; the message is the same one-liner.
  for (const [args, message] of [
    [['in.mp4', '-o', `${dir}/a.mp4`, '--progress', 'loud'], 'Expected one of auto, bar, json, none for --progress but received "loud"'],
    [['in.mp4', '-o', `${dir}/a.mp4`, '--device', 'tpu'], 'Expected one of auto, cpu, cuda, webgpu for --device but received "tpu"'],
    [['batch', 'in.mp4', '-o', `${dir}/batch`, '--device', 'tpu'], 'Expected one of auto, cpu, cuda, webgpu for --device but received "tpu"'],
    [['models', 'pull', 'dino-vits16', '--progress', 'loud'], 'Expected one of auto, bar, json, none for --progress but received "loud"'],
    // The default command's options are listed by `track --help` alone (a second trial: the hint named `dino-track --help`).
    [['in.mp4', '-o', `${dir}/a.mp4`, '--verbos'], "unknown option '--verbos' (Did you mean --verbose?); run 'dino-track track --help' for usage"],
    [['batch', 'in.mp4', '-o', `${dir}/batch`, '--jbs', '2'], "unknown option '--jbs' (Did you mean --jobs?); run 'dino-track batch --help' for usage"],
    // Commander kept the last of a repeated option without a word (a second trial: --format davis --format coco wrote coco alone).
    [['in.mp4', '-o', `${dir}/a`, '--format', 'davis', '--format', 'coco'], '--format was given twice ("davis", then "coco"); give it once, e.g. --format davis,coco'],
    [['in.mp4', '-o', `${dir}/a.mp4`, '-o', `${dir}/b.mp4`], `-o/--output was given twice ("${dir}/a.mp4", then "${dir}/b.mp4"); give it once`],
    [['in.mp4', '-o', `${dir}/a.mp4`, '--device', 'cpu', '--device', 'cuda'], '--device was given twice ("cpu", then "cuda"); give it once'],
    [['batch', 'in.mp4', '-o', `${dir}/batch`, '--jobs', '1', '--jobs', '2'], '--jobs was given twice ("1", then "2"); give it once'],
    [['models', 'prepare', 'm.onnx', '--size', '96x96', '--size', '64x64', '-o', `${dir}/m.onnx`], '--size was given twice ("96x96", then "64x64"); give it once'],
    [['models'], "Expected a subcommand (e.g. dino-track models list) but received none; run 'dino-track models --help' for usage"],
  ]) {
    it(`${args.slice(-2).join(' ')}${args[0] === 'in.mp4' || args.length === 1 ? '' : ` (${args[0]})`}: one line, exit 2`, async () => {
      const { code, stderr } = await runCli(args);
      assert.equal(code, 2);
      assert.equal(stderr, `dino-track: error: ${message}\n`);
    });
  }

  it('a bad option value is exit 2 with the expected/received message', async () => {
    const { code, stderr } = await runCli(['in.mp4', '-o', `${dir}/a.mp4`, '--threshold', '2']);
    assert.equal(code, 2);
    assert.match(stderr, /Expected a number greater than 0 and at most 1 for --threshold but received "2"/);
  });
});

describe('help pages', () => {
  it('the top level says track is the default, with examples, environment and exit codes', async () => {
    const { code, stdout } = await runCli(['--help']);
    assert.equal(code, 0);
    for (const text of ['track is the default command', 'Examples:', 'DINO_TRACK_CACHE', 'FFMPEG_PATH', 'Exit codes: 0 success, 1 failure', '130 Ctrl-C']) assert.ok(stdout.includes(text), text);
  });

  it('track --help puts output and model options before prompted mode, marks -o required, shows defaults unquoted', async () => {
    const { stdout } = await runCli(['track', '--help']);
    assert.ok(stdout.indexOf('--format') < stdout.indexOf('--init-mask'), 'format before init-mask');
    assert.ok(stdout.indexOf('--model') < stdout.indexOf('--init-mask'), 'model before init-mask');
    assert.match(stdout, /-o, --output <path> +\(required\)/);
    assert.doesNotMatch(stdout, /default: "/);
    assert.match(stdout, /Examples:/);
  });

  it('batch --help states its own default format; models pull --help lists the names; prepare says the size order', async () => {
    // Help text wraps with the terminal width: compare with white space folded.
    assert.match((await runCli(['batch', '--help'])).stdout.replace(/\s+/g, ' '), /\(default: overlay, one NAME\.mp4 per input\)/);
    assert.match((await runCli(['models', 'pull', '--help'])).stdout, /dino-vits16, dino-vits8/);
    assert.match((await runCli(['models', 'prepare', '--help'])).stdout, /HEIGHTxWIDTH/);
  });

  it('a bare dino-track prints the usage; a mistyped command gets a suggestion', async () => {
    const bare = await runCli([]);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /Usage: dino-track/);
    const typo = await runCli(['trak', 'in.mp4', '-o', 'x.mp4']);
    assert.equal(typo.code, 2);
    assert.equal(typo.stderr.trim(), 'dino-track: error: unknown command "trak"; did you mean `dino-track track`? (Run \'dino-track --help\' for the commands)');
  });
});

describe('refuseRepeatedOptions', () => {
  it('refuses a value given twice, lets flags and --no-x negations repeat, and leaves defaults out of the count', async () => {
    const { Command } = await import('commander');
    const { refuseRepeatedOptions } = await import('../../dist/cli/validate.js');
    const build = () => {
      const command = new Command('t').exitOverride().option('--name <v>').option('--level <n>', 'a level', '3').option('--no-color').option('--loud');
      refuseRepeatedOptions(command);
      return command;
    };
    const parsed = build().parse(['--no-color', '--no-color', '--loud', '--loud', '--level', '4', '--name', 'a'], { from: 'user' }).opts();
    assert.deepEqual(parsed, { color: false, loud: true, level: '4', name: 'a' });
    assert.throws(() => build().parse(['--name', 'a', '--name', 'b'], { from: 'user' }), { name: 'UsageError', message: '--name was given twice ("a", then "b"); give it once' });
    assert.throws(() => build().parse(['--level', '4', '--level', '5'], { from: 'user' }), { message: '--level was given twice ("4", then "5"); give it once' });
  });
});
