import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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

/**
 * The truth and the written labels of every frame, `track --prompts` given the truth of the
 * frames `prompted` of the scene (its feature cache), with `extra` options.
 */
async function trackWithPrompts(seed, prompted, extra = []) {
  const folder = makeTempDir('dino-track-prompts-');
  const { cache, truth } = await writeScene(describeScene(seed), folder);
  const files = readdirSync(truth).sort();
  const prompts = path.join(folder, 'prompts');
  mkdirSync(prompts);
  for (const frame of prompted) copyFileSync(path.join(truth, files[frame]), path.join(prompts, files[frame]));
  const out = path.join(folder, 'out');
  const { code, stderr } = await runCli(['track', '--features', cache, '--prompts', prompts, '-o', out, '--format', 'davis', '--refine', 'none', '--progress', 'none', ...extra]);
  assert.equal(code, 0, stderr);
  const read = (file) => decodeLabelPng(readFileSync(file)).data;
  return files.map((file) => ({ truth: read(path.join(truth, file)), written: read(path.join(out, 'masks', file)) }));
}

/** IoU of object `id` between the truth and the written labels of one frame. */
function iouOf({ truth, written }, id) {
  let [both, either] = [0, 0];
  for (let i = 0; i < truth.length; i++) {
    both += truth[i] === id && written[i] === id;
    either += truth[i] === id || written[i] === id;
  }
  return either ? both / either : 1;
}

describe('prompts on two frames, an object hidden at the later one', () => {
  // Scene 306 (occluder family, in neither set): object 1 is in view on frames 0–31 and fully
  // behind the wall on 33–67; the later prompt (frame 50) rightly leaves it out. The backward
  // pass from frame 50 had never been told of object 1, and its "background" outvoted the
  // forward pass more the nearer the frame was to 50: object 1 vanished on frames 25–31, and
  // fell to IoU 0.43–0.62 on 21–24, where frame 0's prompt alone gives 0.89–0.91 (a first-time
  // user saw the same with a square behind a bar).
  it('keeps the object on the frames before that prompt where it is in view', async () => {
    const frames = await trackWithPrompts(306, [0, 50]);
    const ious = frames.slice(1, 27).map((frame) => iouOf(frame, 1));
    assert.ok(ious.every((iou) => iou >= 0.75), `object 1, frames 1–26: IoU ${ious.map((iou) => iou.toFixed(2)).join(' ')}`);
  });

  it('does not paint the visible twin with the id of its look-alike hidden behind it at the later prompt', async () => {
    // Scene 610 (pan-crossing, in neither set): object 2 is hidden behind its look-alike, object 1,
    // at frame 45. With the backward labels kept from voting on object 2 until they had found it
    // (a first form of the fix above), the forward labels' object 2, drifted onto object 1, took
    // 10,816 of its 14,401 pixels on frame 43 (a review).
    const frames = await trackWithPrompts(610, [0, 45]);
    for (const t of [40, 41, 42, 43, 44]) {
      const { truth, written } = frames[t];
      let [area, taken] = [0, 0];
      for (let i = 0; i < truth.length; i++) if (truth[i] === 1) [area, taken] = [area + 1, taken + (written[i] === 2 ? 1 : 0)];
      assert.ok(taken <= 0.05 * area, `frame ${t}: ${taken} of object 1's ${area} px written as object 2`);
    }
  });

  it('does not give it a second id with --discover', async () => {
    const frames = await trackWithPrompts(306, [0, 50], ['--discover']);
    // Which ids are written on object 1's pixels, over the frames it is in view.
    const ids = new Set();
    for (const { truth, written } of frames.slice(1, 32)) for (let i = 0; i < truth.length; i++) if (truth[i] === 1 && written[i] !== 0) ids.add(written[i]);
    assert.deepEqual([...ids], [1]);
    const ious = frames.slice(1, 27).map((frame) => iouOf(frame, 1));
    assert.ok(ious.every((iou) => iou >= 0.75), `object 1, frames 1–26: IoU ${ious.map((iou) => iou.toFixed(2)).join(' ')}`);
  });
});

describe('look-alikes prompted before they cross', () => {
  // Scene 301 (crossing family, in neither set) prompted on frame 0 only: object 4 passes
  // behind its look-alike, object 3, on frames 33–47. The attention regions showed them after it as fragments and merged
  // regions, never as two bodies, so separation could not part them: object 4 had IoU 0–0.49
  // on frames 48–79 and object 3 0.44–0.87 (each label scattered over both).
  it('writes each as one object after the crossing', async () => {
    const frames = await trackWithPrompts(301, [0]);
    for (const id of [3, 4]) {
      const ious = frames.slice(48).map((frame) => iouOf(frame, id));
      assert.ok(ious.every((iou) => iou >= 0.7), `object ${id}, frames 48–79: IoU ${ious.map((iou) => iou.toFixed(2)).join(' ')}`);
    }
  });
});

describe('look-alikes prompted where they cross', () => {
  // Scene 601 (crossing family, in neither set): look-alikes 3 and 4 cross on frames 25–34; the
  // only prompt is frame 58, after they have parted. Going backwards through the crossing,
  // propagation scattered each one's label over both bodies, and on frames 9–19, with the two
  // apart again, up to 74% of object 4 was written as object 3 (a first-time user saw the same on
  // a rendered clip prompted at its crossing).
  it('writes each as one object on the frames before the crossing, going backwards from the prompt', async () => {
    const frames = await trackWithPrompts(601, [58]);
    for (let t = 2; t <= 17; t++) {
      for (const [id, twin] of [[3, 4], [4, 3]]) {
        const { truth, written } = frames[t];
        let [area, taken] = [0, 0];
        for (let i = 0; i < truth.length; i++) if (truth[i] === id) [area, taken] = [area + 1, taken + (written[i] === twin ? 1 : 0)];
        assert.ok(taken <= 0.05 * area, `frame ${t}: ${taken} of object ${id}'s ${area} px written as object ${twin}`);
        assert.ok(iouOf(frames[t], id) >= 0.7, `frame ${t}: object ${id} IoU ${iouOf(frames[t], id).toFixed(2)}`);
      }
    }
  });
});
