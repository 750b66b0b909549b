import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { makeTempDir, models, runCli } from '../fixtures.js';
import { writeRenderedScene } from '../bench/rendered-scenes.js';

const dir = makeTempDir();
const env = { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
/** The model under test; DESIGNED_MODEL=other.onnx shows what another one (e.g. the random-weight tiny model) scores. */
const model = process.env.DESIGNED_MODEL || models.designed;
let scene;

before(async () => {
  // 12 frames of a rendered scene (3 textured objects, two touching, over a panning textured background): enough for births (3 frames at 25 fps).
  scene = await writeRenderedScene('test-contact', dir, [], 12);
});

describe('designed ViT through the CLI on a rendered clip (real ffmpeg, preparation, onnxruntime, refinement, eval)', () => {
  it('finds every object and its masks land on it (refined J per object >= 0.8, no id switches)', async () => {
    const out = path.join(dir, 'out');
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '480', '-o', out, '--format', 'davis', '--refine', 'guided', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const scored = await runCli(['eval', '--pred', out, '--gt', scene.truth, '--json']);
    assert.equal(scored.code, 0, scored.stderr);
    const score = JSON.parse(scored.stdout);
    assert.equal(score.perObject.length, 3);
    for (const object of score.perObject) {
      assert.ok(object.predictedId !== undefined, `object ${object.truthId} was never tracked`);
      // A random-weight model's attention is not on the objects: its best-matching masks score far lower.
      assert.ok(object.j >= 0.8, `object ${object.truthId}: J ${object.j.toFixed(3)} < 0.8`);
    }
    assert.equal(score.idSwitches, 0);
  });

  it('scores the frames a new object is painted back into 0.5, as at its birth, with refinement too', async () => {
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '480', '-o', '-', '--format', 'ndjson', '--refine', 'guided', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const frames = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    // Every object is in view from frame 0 and born at frame 2 (3 frames at 25 fps): frames 0-1 are painted back.
    for (const frame of frames.slice(0, 3)) {
      const visible = frame.objects.filter((o) => !o.occluded);
      assert.equal(visible.length, 3, `frame ${frame.frame}`);
      for (const object of visible) assert.equal(object.score, 0.5, `frame ${frame.frame}, id ${object.id}`);
    }
  });
});
