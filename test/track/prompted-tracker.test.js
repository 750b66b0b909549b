import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decodeLabelPng } from '../../dist/track/index.js';
import { describeScene, writeScene } from '../bench/scene-families.js';
import { makeTempDir, runCli } from '../fixtures.js';

/**
 * Each frame's pixels of object `id` in the truth and in the masks `track --init-mask` wrote
 * from the scene's feature cache, prompted with frame 0's truth.
 */
async function trackScene(seed, id) {
  const folder = makeTempDir('dino-track-prompted-');
  const { cache, truth } = await writeScene(describeScene(seed), folder);
  const out = path.join(folder, 'out');
  const { code, stderr } = await runCli(['track', '--features', cache, '--init-mask', path.join(truth, '00000.png'), '-o', out, '--format', 'davis', '--refine', 'none', '--progress', 'none']);
  assert.equal(code, 0, stderr);
  const read = (file) => decodeLabelPng(readFileSync(file)).data;
  return readdirSync(truth).sort().map((file) => {
    const [expected, written] = [read(path.join(truth, file)), read(path.join(out, 'masks', file))];
    let [inTruth, inWritten, both] = [0, 0, 0];
    for (let i = 0; i < expected.length; i++) {
      inTruth += expected[i] === id;
      inWritten += written[i] === id;
      both += expected[i] === id && written[i] === id;
    }
    return { truth: inTruth, written: inWritten, iou: inTruth + inWritten - both ? both / (inTruth + inWritten - both) : 1 };
  });
}

describe('prompted tracking of an object that is out of view', () => {
  // Label propagation passed a gone object's label from background patches to themselves, and
  // DINO's per-channel stretch painted its faint peak: 12–264 px of it on every frame it was
  // behind the wall, 24–285 px on every frame it was out of the frame.
  it('writes nothing of an object while a wall hides it, and finds it again when it comes out', async () => {
    // Scene 306 (occluder family, in neither the tuning nor the test set): object 1 is fully behind the wall on frames 33–67.
    const frames = await trackScene(306, 1);
    const hidden = frames.slice(33, 68);
    assert.ok(hidden.every((f) => f.truth === 0));
    hidden.forEach((f, k) => assert.equal(f.written, 0, `frame ${33 + k}: ${f.written} px of a hidden object written`));
    const back = frames.slice(72, 87);
    assert.ok(back.every((f) => f.iou >= 0.5), `after the wall: IoU ${back.map((f) => f.iou.toFixed(2)).join(' ')}`);
  });

  it('keeps a small object that is in view on every frame', async () => {
    // Scene 409 (single-head family, in neither set): object 2 is 4 patches, in view throughout, its
    // patches 0.55–0.75 like its own mean. Let go whenever it held under 3 patches, it was written
    // on almost no frame (mean J 0.022, 0.405 before letting go existed; a review).
    const frames = await trackScene(409, 2);
    const meanIou = frames.slice(1).reduce((sum, f) => sum + f.iou, 0) / (frames.length - 1);
    assert.ok(meanIou >= 0.3, `object 2's mean J ${meanIou.toFixed(3)}`);
  });

  it('writes nothing of an object that has left the frame, and finds it again when it comes back', async () => {
    // Scene 404 (re-entry family, in neither set): object 1 leaves on frame 55 and comes back by another edge on frame 78.
    const frames = await trackScene(404, 1);
    const gone = frames.slice(56, 78);
    assert.ok(gone.every((f) => f.truth === 0));
    const ghosts = gone.filter((f) => f.written > 0).length;
    // Re-anchoring may still take a look-alike region for it on a stray frame (frame 66 here).
    assert.ok(ghosts <= 2, `object written on ${ghosts} of the ${gone.length} frames it was out of the frame`);
    const back = frames.slice(88, 100);
    assert.ok(back.every((f) => f.iou >= 0.5), `back in the frame: IoU ${back.map((f) => f.iou.toFixed(2)).join(' ')}`);
  });
});
