// The library API: `import { track, trackFrames } from 'dino-track'`, as a Node pipeline uses it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { InputError, openFeatureCache, prepareModel, track, trackFrames, UsageError } from 'dino-track';
import { encodeDavisPng } from '../../dist/export/index.js';
import { cli, makeSquaresVideo, makeTempDir, makeVideo, models } from '../fixtures.js';

process.env.DINO_TRACK_CACHE = makeTempDir('dino-track-cache-');
const work = makeTempDir();
const input = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });
const model = { model: models.tiny, shortSide: 96 };
/** DIR/prompts holding one prompt, on `frame`: object 1, a rectangle. */
function writePromptFolder(dir, frame) {
  const prompts = path.join(dir, 'prompts');
  mkdirSync(prompts);
  const labels = new Uint8Array(128 * 96);
  for (let y = 30; y < 60; y++) labels.fill(1, y * 128 + 40, y * 128 + 80);
  writeFileSync(path.join(prompts, `${String(frame).padStart(5, '0')}.png`), encodeDavisPng(labels, 128, 96));
  return prompts;
}
/** Every frame a trackFrames() yields. */
async function collect(frames) {
  const all = [];
  for await (const frame of frames) all.push(frame);
  return all;
}

describe('library API', () => {
  it('track() writes the outputs the options name and returns a summary', async () => {
    const output = path.join(work, 'out');
    const cache = path.join(work, 'f.safetensors');
    const summary = await track({ input, output, format: ['davis', 'coco'], saveFeatures: cache, ...model });
    assert.equal(summary.frames, 10);
    assert.equal(readdirSync(path.join(output, 'masks')).length, 10);
    const features = await openFeatureCache(cache);
    assert.equal(features.info.frames, 10);
    await features.close();
  });

  it('track() takes one format as a string too', async () => {
    const output = path.join(work, 'one-format');
    const summary = await track({ input, output, format: 'davis', ...model });
    assert.equal(summary.frames, 10);
    assert.equal(readdirSync(path.join(output, 'masks')).length, 10);
  });

  it('trackFrames() yields every frame in order, with its label map, and writes nothing', async () => {
    const seen = [];
    for await (const frame of trackFrames({ input, ...model })) {
      assert.equal(frame.labels.length, 128 * 96);
      seen.push(frame.index);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('trackFrames() yields frames with their births painted in, and no births list left to apply', async () => {
    // A trial: frame 1 carried `births` (3 entries) already painted into frame 0, undocumented.
    const frames = await collect(trackFrames({ input: makeSquaresVideo(path.join(work, 'squares.mp4')), model: models.designed }));
    assert.ok(frames.some((frame) => frame.objects.some((o) => !o.occluded)), 'objects found');
    assert.ok(frames[0].objects.some((o) => !o.occluded), 'the first frame has its objects painted in');
    for (const frame of frames) assert.equal('births' in frame, false, `frame ${frame.index}`);
  });

  it('trackFrames() stops the pipeline when the consumer leaves early', async () => {
    let count = 0;
    for await (const frame of trackFrames({ input, ...model })) {
      count++;
      if (frame.index === 2) break;
    }
    assert.equal(count, 3);
  });

  it('trackFrames() left early says that saveFeatures was not written', async () => {
    // A second trial: the cache was dropped without a word.
    const cache = path.join(makeTempDir(), 'f.safetensors');
    const notices = [];
    for await (const frame of trackFrames({ input, saveFeatures: cache, ...model, onNotice: (line) => notices.push(line) })) if (frame.index === 2) break;
    assert.equal(existsSync(cache), false);
    assert.deepEqual(notices.filter((line) => line.startsWith('saveFeatures')), [`saveFeatures ${cache} was not written: the loop left before the last frame, and the cache would hold part of the video`]);
    // Left on the last frame, after the run has finished: the cache is whole and in place, and nothing is said
    // (a review: it was said not written). A notice sink that throws does not throw into the loop.
    const whole = path.join(makeTempDir(), 'f.safetensors');
    const late = [];
    for await (const frame of trackFrames({ input, saveFeatures: whole, ...model, onNotice: (line) => late.push(line) })) if (frame.index === 9) break;
    assert.equal((await openFeatureCache(whole)).info.frames, 10);
    assert.deepEqual(late.filter((line) => line.startsWith('saveFeatures')), []);
    for await (const frame of trackFrames({ input, saveFeatures: path.join(makeTempDir(), 'g.safetensors'), ...model, onNotice: () => {
      throw new Error('notice sink down');
    } })) if (frame.index === 1) break;
  });

  it('trackFrames() read to the end throws when the saveFeatures cache could not be put in place (it was lost: a review)', async () => {
    const dir = makeTempDir();
    const cache = path.join(dir, 'f.safetensors');
    let frames = 0;
    await assert.rejects(async () => {
      for await (const frame of trackFrames({ input, saveFeatures: cache, ...model })) {
        // A file appears at saveFeatures while the run works: the cache goes beside it, and the run says so.
        if (frame.index === 1) writeFileSync(cache, 'a user\'s file');
        frames++;
      }
    }, (error) => {
      assert.ok(error instanceof UsageError, String(error));
      assert.match(error.message, /f\.safetensors appeared while this run worked and was left as it is; this run's output is in .*f-new\.safetensors instead/);
      assert.doesNotMatch(error.message, /written in full/); // trackFrames wrote nothing of its own
      return true;
    });
    assert.equal(frames, 10);
    assert.equal(readFileSync(cache, 'utf8'), 'a user\'s file');
  });

  it('an onProgress that fails on the last report, which comes after the outputs are placed, fails the run (it was dropped)', async () => {
    // An MP4 cut one frame in: 40 frames counted, 39 decoded, so the last report (39 of 39) comes after the outputs.
    const { getFfmpegBinaries } = await import('../../dist/video/index.js');
    const dir = makeTempDir();
    const source = makeVideo(path.join(dir, 'uncut.mp4'), { width: 128, height: 96, fps: 10, seconds: 4 });
    const cut = path.join(dir, 'cut.mp4');
    spawnSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-ss', '0.1', '-i', source, '-c', 'copy', '-y', cut]);
    const reports = [];
    await assert.rejects(track({ input: cut, output: path.join(dir, 'out'), format: ['coco'], ...model, onProgress: async (done, total) => {
      reports.push([done, total]);
      if (done === total) throw new Error('progress sink down');
    } }), { message: 'progress sink down' });
    assert.deepEqual(reports.at(-1), [39, 39]);
  });

  it('checks options as the command line does', async () => {
    await assert.rejects(track({ input, output: path.join(work, 'x'), threshold: 2, ...model }), (error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, 'Expected a number greater than 0 and at most 1 for threshold but received "2"');
      return true;
    });
  });

  it('names options as the library does, not as the command line (overwrite: true, not --overwrite)', async () => {
    // A second trial: a library caller was told to "pass --overwrite".
    const existing = path.join(makeTempDir(), 'out.mp4');
    writeFileSync(existing, 'mine');
    await assert.rejects(track({ input, output: existing, ...model }), { name: 'UsageError', message: `${existing} already exists; pass overwrite: true to replace it` });
    await assert.rejects(track({ input, output: path.join(work, 'o'), discover: true, ...model }), { message: 'discover adds objects to prompted mode; give initMask or prompts too (without them every object is discovered anyway)' });
    await assert.rejects(collect(trackFrames({ input, maxObjects: 0, ...model })), { name: 'UsageError', message: /for maxObjects but received "0"$/ });
    assert.equal(readFileSync(existing, 'utf8'), 'mine');
  });

  it('refuses a misspelt option, a value of the wrong type and trackFrames() output options, naming the option', async () => {
    const output = path.join(work, 'typo');
    for (const [call, options, message] of [
      [track, { input, output, formats: ['coco'], ...model }, 'unknown option formats for track() (did you mean format?)'],
      [track, { input, output, threshold: '0.5', ...model }, 'Expected a number for threshold but received "0.5"'],
      [track, { input, output, format: 'davis', precision: 'fp8', ...model }, 'Expected one of auto, fp32, fp16, int8 for precision but received "fp8"'],
      [track, { input, output, format: 'davis', precision: 'int8', ...model }, `precision int8 picks one of a registry model's files, but model ${models.tiny} is a file; drop precision or give a registry name`],
      [trackFrames, { input, output, ...model }, 'trackFrames() yields each frame instead of writing files, so output does nothing; leave it out, or call track() to write outputs'],
      [trackFrames, { input, format: 'coco', ...model }, 'trackFrames() yields each frame instead of writing files, so format does nothing; leave it out, or call track() to write outputs'],
    ]) {
      const run = call === track ? track(options) : trackFrames(options).next();
      await assert.rejects(run, (error) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.equal(error.message, message);
        return true;
      });
    }
    assert.equal(readdirSync(work).includes('typo'), false);
  });

  it('refuses what is not an options object (none, null, an array, a string) with the UsageError saying what to give', async () => {
    // A first-time user: track() and trackFrames() without options threw a raw TypeError, and track([]) was taken as options.
    const takes = { track: "track() takes an options object, e.g. track({ input: 'in.mp4', output: 'out/' })", trackFrames: "trackFrames() takes an options object, e.g. trackFrames({ input: 'in.mp4' })" };
    for (const [call, name] of [[track, 'track'], [(...args) => trackFrames(...args).next(), 'trackFrames']]) {
      for (const args of [[], [null], [[]], ['in.mp4']]) {
        await assert.rejects(call(...args), (error) => {
          assert.ok(error instanceof UsageError, `${name}(${args.map((a) => JSON.stringify(a)).join('')}): ${error}`);
          assert.equal(error.message, takes[name]);
          return true;
        });
      }
    }
  });

  it('prepareModel() refuses to write over its own model, a file that exists (without overwrite) or a folder', async () => {
    // A first-time user: prepareModel(m, size, m) replaced the model with its prepared form, and
    // an unrelated file (a feature cache, a committed fixture) was replaced without a word.
    const dir = makeTempDir();
    const own = path.join(dir, 'm.onnx');
    copyFileSync(models.tiny, own);
    const precious = path.join(dir, 'precious.txt');
    writeFileSync(precious, 'mine');
    const size = { width: 128, height: 96 };
    for (const [output, pattern] of [[own, /is the same path as file /], [precious, /already exists; pass overwrite: true to replace it$/], [dir, /is a folder|is a directory/]]) {
      await assert.rejects(prepareModel(own, size, output), (error) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.match(error.message, pattern);
        return true;
      });
    }
    assert.ok(readFileSync(own).equals(readFileSync(models.tiny)), 'the model was changed');
    assert.equal(readFileSync(precious, 'utf8'), 'mine');
    // Nor with overwrite, as it is not a model dino-track wrote (a third trial: --overwrite replaced a user's files).
    await assert.rejects(prepareModel(own, size, precious, { overwrite: true }), { name: 'UsageError', message: /is not a model dino-track prepared or quantized/ });
    assert.equal(readFileSync(precious, 'utf8'), 'mine');
    // A model it prepared it replaces.
    const prepared = path.join(dir, 'prepared.onnx');
    await prepareModel(own, size, prepared);
    await prepareModel(own, { width: 64, height: 64 }, prepared, { overwrite: true });
    assert.ok(statSync(prepared).size > 1000);
  });

  it('prepareModel() says what is wrong with its arguments in the documented error classes', async () => {
    await assert.rejects(prepareModel(path.join(work, 'nope.onnx'), { width: 128, height: 96 }), (error) => error instanceof InputError && /cannot read .*nope\.onnx \(ENOENT\)/.test(error.message));
    // A size the patch grid cannot take is suggested in the library's own form (it was "e.g. 96x128", height first).
    await assert.rejects(prepareModel(models.tiny, { width: 120, height: 96 }), { name: 'UsageError', message: 'Expected a height and width that are multiples of the patch size 16 for size but received { width: 120, height: 96 }; e.g. { width: 128, height: 96 }' });
    // A second trial: `models prepare --size 99984x99984` held 22 GB for 170 s, then "Invalid typed array length".
    await assert.rejects(prepareModel(models.tiny, { width: 99984, height: 99984 }), { name: 'UsageError', message: 'Expected a height and width of at most 8192 pixels (8K video is { width: 7680, height: 4320 }) for size but received { width: 99984, height: 99984 }' });
    for (const size of [undefined, { w: 128, h: 96 }, { width: 128.5, height: 96 }]) {
      await assert.rejects(prepareModel(models.tiny, size), (error) => error instanceof UsageError && /^Expected \{ width, height \} in whole pixels for size/.test(error.message));
    }
  });

  it('trackFrames() may save its features over an earlier cache with overwrite', async () => {
    // A first-time user: without overwrite "pass --overwrite", with it "overwrite does nothing".
    const cache = path.join(makeTempDir(), 'f.safetensors');
    for await (const frame of trackFrames({ input, saveFeatures: cache, ...model })) void frame;
    const earlier = statSync(cache).mtimeMs;
    let frames = 0;
    for await (const frame of trackFrames({ input, saveFeatures: cache, overwrite: true, ...model })) frames += frame ? 1 : 0;
    assert.equal(frames, 10);
    assert.equal((await openFeatureCache(cache)).info.frames, 10);
    assert.ok(statSync(cache).mtimeMs > earlier, 'the earlier cache was replaced');
  });

  it('quotes an option\'s values as the library takes them, a list as an array', async () => {
    // A review: "give a directory for format: 'davis',overlay".
    await assert.rejects(track({ input, output: path.join(work, 'x.mp4'), format: ['davis', 'overlay'], ...model }), { name: 'UsageError', message: /give a directory for format: \['davis', 'overlay'\]$/ });
  });

  it('hands the notices the command prints to onNotice', async () => {
    // A first-time user: the library dropped them all (here: a feature cache tracked without its frames).
    const cache = path.join(work, 'f.safetensors');
    if (!existsSync(cache)) await track({ input, output: path.join(makeTempDir(), 'o'), format: 'davis', saveFeatures: cache, ...model });
    const notices = [];
    await track({ features: cache, output: path.join(makeTempDir(), 'o'), format: 'davis', onNotice: (line) => notices.push(line) });
    assert.ok(notices.some((line) => line.startsWith('tracking from the feature cache alone')), notices.join('\n'));
    // In the library's words, as its errors are (a trial: the notice said INPUT and --refine none).
    assert.ok(notices.includes("tracking from the feature cache alone: masks follow the patch grid, not refined with the frames; give the video as input too to refine them (refine: 'none' to say this is meant)"), notices.join('\n'));
  });

  it('a signal stops a prompted trackFrames() before its first frame, leaving no temporary files', async () => {
    // A first-time user: leaving the loop of a prompted run waited for the whole model pass and
    // the backward pass (11.8 s on a 6-s clip) before the first frame could be refused.
    const dir = makeTempDir();
    const prompts = writePromptFolder(dir, 5);
    const tempBefore = new Set(readdirSync(tmpdir()));
    const controller = new AbortController();
    const stages = [];
    const frames = trackFrames({ input, prompts, ...model, signal: controller.signal, onProgress: (done, total, stage) => {
      stages.push(stage);
      if (done === 2) controller.abort();
    } });
    await assert.rejects(frames.next(), { name: 'AbortError' });
    assert.deepEqual(stages, ['features', 'features'], 'it went on after the abort');
    const left = readdirSync(tmpdir()).filter((name) => !tempBefore.has(name) && name.includes(`-${process.pid}@`));
    assert.deepEqual(left, [], 'temporary files were left');
    // An aborted signal refuses the run before it starts.
    await assert.rejects(track({ input, output: path.join(dir, 'o'), format: 'davis', ...model, signal: controller.signal }), { name: 'AbortError' });
    assert.equal(existsSync(path.join(dir, 'o')), false);
  });

  it('an async onProgress that rejects fails the run with its error, placing nothing and leaving no temporary files', async () => {
    // A second trial: the rejection was unhandled, crashed the host process and left the prompted run's temporary folder.
    const dir = makeTempDir();
    const prompts = writePromptFolder(dir, 0);
    const tempBefore = new Set(readdirSync(tmpdir()));
    const failing = (at) => async (done) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (done >= at) throw new Error(`progress store down at ${done}`);
    };
    // Early (stops at a later frame) and at the last frame (stops before the outputs are placed).
    for (const [at, extra] of [[2, { prompts }], [10, {}]]) {
      const output = path.join(dir, `out-${at}`);
      await assert.rejects(track({ input, output, format: 'davis', ...model, ...extra, onProgress: failing(at) }), { message: /^progress store down at / });
      assert.equal(existsSync(output), false);
    }
    assert.deepEqual(readdirSync(dir), ['prompts']);
    const left = readdirSync(tmpdir()).filter((name) => !tempBefore.has(name) && name.includes(`-${process.pid}@`));
    assert.deepEqual(left, [], 'temporary files were left');
  });

  it("refuses a second track() writing to stdout while one is, so their lines never interleave", () => {
    // A second trial: two concurrent track({ output: '-' }) mixed their ndjson lines. Run in a child: stdout is the test runner's.
    const script = `import { track } from 'dino-track';
      const options = { input: ${JSON.stringify(input)}, output: '-', format: 'ndjson', model: ${JSON.stringify(models.tiny)}, shortSide: 96 };
      const runs = await Promise.allSettled([track(options), track(options)]);
      console.error(JSON.stringify(runs.map((r) => r.status === 'fulfilled' ? r.value.frames : r.reason.message)));
      await track(options); // once the first has finished, stdout is free again`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env } });
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stderr.trim().split('\n').at(-1)), [10, "another track() in this process is writing to stdout (output '-'); await it first, or use trackFrames() to have the frames"]);
    const frames = child.stdout.trim().split('\n').map((line) => JSON.parse(line).frame);
    assert.deepEqual(frames, [...Array(10).keys(), ...Array(10).keys()]);
  });

  it('an onNotice that throws fails the run with its error, even for a notice from the model worker', async () => {
    // A third trial: thrown inside the worker's message handler (verbose), it crashed the host process and left a partial folder.
    const dir = makeTempDir();
    const output = path.join(dir, 'out');
    await assert.rejects(track({ input, output, format: 'davis', verbose: true, ...model, onNotice: (line) => {
      throw new Error(`notice refused: ${line.slice(0, 20)}`);
    } }), { message: /^notice refused: / });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('leaves the paths a caller gave as they are when it rewords a message (INPUT, --threshold in a path)', async () => {
    // A review: /x/INPUT/clip.mp4 was said as /x/input/clip.mp4, another path on Linux.
    const folder = path.join(makeTempDir(), 'INPUT --threshold');
    mkdirSync(folder);
    const missing = path.join(folder, 'clip.mp4');
    await assert.rejects(track({ input: missing, output: path.join(folder, 'o'), ...model }), (error) => {
      assert.ok(error.message.includes(missing), error.message);
      return true;
    });
  });

  it('runs its workers when Node was started with a V8 flag (--max-old-space-size)', () => {
    // A review: workers started with an explicit execArgv refused the flags inheritance takes.
    const child = spawnSync(process.execPath, ['--max-old-space-size=4096', cli, input, '-o', path.join(makeTempDir(), 'o'), '--format', 'davis', '--model', models.tiny, '--short-side', '96', '--progress', 'none'], { encoding: 'utf8' });
    assert.equal(child.status, 0, child.stderr);
    // And beside --input-type, where the workers are given Node's options less the main script's (a trial: refused there).
    const script = `import { track } from 'dino-track';
      await track({ input: ${JSON.stringify(input)}, output: ${JSON.stringify(path.join(makeTempDir(), 'o'))}, format: 'davis', model: ${JSON.stringify(models.tiny)}, shortSide: 96 });`;
    const flagged = spawnSync(process.execPath, ['--max-old-space-size=4096', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(flagged.status, 0, flagged.stderr);
  });

  it('says what to give in the library\'s words: output, input, the path given to openFeatureCache', async () => {
    // A third trial: "for output, output", "check --features", "as INPUT", "is a shell variable unset?".
    const cases = [
      [() => track({ input, ...model }), /^Expected an output path for output but received nothing; e\.g\. output: 'out\.mp4' or output: 'out\/'$/],
      [() => openFeatureCache(path.join(work, 'nope.safetensors')), /^feature cache \S+nope\.safetensors does not exist \(ENOENT\); check the path$/],
      [() => track({ features: path.join(work, 'f.safetensors'), output: path.join(work, 'fr'), format: 'frames' }), /^the frames format needs the input video; give it as input alongside features$/],
      [() => track({ input, output: path.join(work, 'pr'), format: 'davis', prompts: '', ...model }), /^Expected [^(]+ for prompts but received ""$/],
    ];
    for (const [call, pattern] of cases) await assert.rejects(call(), (error) => {
      assert.match(error.message, pattern);
      assert.doesNotMatch(error.message, /--|\bINPUT\b|-o\b/);
      return true;
    });
  });

  it('prepareModel() gives a model with the two outputs at the asked size', async () => {
    const bytes = await prepareModel(models.tiny, { width: 128, height: 96 });
    const { decodeModel, inspectModel } = await import('../../dist/model/index.js');
    const structure = inspectModel(decodeModel(bytes, 'prepared'), 'prepared');
    assert.equal(structure.prepared, true);
    assert.deepEqual([structure.inputWidth, structure.inputHeight], [128, 96]);
  });
});
