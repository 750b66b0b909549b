// The library API: `import { track, trackFrames } from 'dino-track'`, as a Node pipeline uses it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openFeatureCache, prepareModel, track, trackFrames, UsageError } from 'dino-track';
import { makeTempDir, makeVideo, models } from '../fixtures.js';

process.env.DINO_TRACK_CACHE = makeTempDir('dino-track-cache-');
const work = makeTempDir();
const input = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });
const model = { model: models.tiny, shortSide: 96 };

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

  it('trackFrames() stops the pipeline when the consumer leaves early', async () => {
    let count = 0;
    for await (const frame of trackFrames({ input, ...model })) {
      count++;
      if (frame.index === 2) break;
    }
    assert.equal(count, 3);
  });

  it('checks options as the command line does', async () => {
    await assert.rejects(track({ input, output: path.join(work, 'x'), threshold: 2, ...model }), (error) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.message, 'Expected a number greater than 0 and at most 1 for --threshold but received "2"');
      return true;
    });
  });

  it('refuses a misspelt option, a value of the wrong type and trackFrames() output options, naming the option', async () => {
    const output = path.join(work, 'typo');
    for (const [call, options, message] of [
      [track, { input, output, formats: ['coco'], ...model }, 'unknown option formats for track() (did you mean format?)'],
      [track, { input, output, threshold: '0.5', ...model }, 'Expected a number for threshold but received "0.5"'],
      [track, { input, output, format: 'davis', precision: 'fp8', ...model }, 'Expected one of auto, fp32, fp16, int8 for --precision but received "fp8"'],
      [track, { input, output, format: 'davis', precision: 'int8', ...model }, `--precision int8 picks one of a registry model's files, but --model ${models.tiny} is a file; drop --precision or give a registry name`],
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

  it('prepareModel() gives a model with the two outputs at the asked size', async () => {
    const bytes = await prepareModel(models.tiny, { width: 128, height: 96 });
    const { decodeModel, inspectModel } = await import('../../dist/model/index.js');
    const structure = inspectModel(decodeModel(bytes, 'prepared'), 'prepared');
    assert.equal(structure.prepared, true);
    assert.deepEqual([structure.inputWidth, structure.inputHeight], [128, 96]);
  });
});
