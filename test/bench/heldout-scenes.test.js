// The held-out generator makes the scenes issue 15 describes (bench:heldout measures the tracker
// on them): these checks keep the descriptions true whatever is drawn per seed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeHeldout, generateHeldout, heldoutSeeds } from './heldout-scenes.js';

/** Runs of consecutive frames for which `hidden(t)` holds, as [first, last]. */
function runs(values, hidden) {
  const out = [];
  values.forEach((v, t) => {
    if (!hidden(v)) return;
    const last = out[out.length - 1];
    if (last && last[1] === t - 1) last[1] = t;
    else out.push([t, t]);
  });
  return out;
}

for (const seed of heldoutSeeds) {
  test(`wall scene ${seed}: 320x480, 90 frames, 3 objects, one fully hidden 13 frames, the others never`, () => {
    const scene = describeHeldout('wall', seed);
    assert.deepEqual([scene.width, scene.height, scene.frames, scene.objects.length], [320, 480, 90, 3]);
    const visible = [...generateHeldout(scene, { features: false })].map((f) => f.visible);
    assert.deepEqual(runs(visible, (v) => v[0] === 0).map(([a, b]) => b - a + 1), [13]);
    for (const i of [1, 2]) assert.equal(visible.filter((v) => v[i] === 0).length, 0);
  });

  test(`pan scene ${seed}: 640x368, 120 frames, pan, look-alikes that cross, one growing, one out 1.6 s`, () => {
    const scene = describeHeldout('pan', seed);
    assert.deepEqual([scene.width, scene.height, scene.frames, scene.objects.length], [640, 368, 120, 4]);
    assert.ok(Math.abs(scene.pan[0]) >= 1.5);
    const frames = [...generateHeldout(scene, { features: false })];
    const visible = frames.map((f) => f.visible);
    assert.deepEqual(runs(visible, (v) => v[3] === 0).map(([a, b]) => b - a + 1), [40]);
    for (const i of [0, 1, 2]) assert.equal(visible.filter((v) => v[i] === 0).length, 0);
    const [a, b] = scene.objects;
    const cosine = a.proto.reduce((s, v, k) => s + v * b.proto[k], 0);
    assert.ok(cosine > 0.9, `look-alike prototypes, cosine ${cosine}`);
    // They cross: the sign of their horizontal order flips.
    const order = frames.map((f) => Math.sign(f.states[0].x - f.states[1].x));
    assert.ok(order.includes(1) && order.includes(-1));
    const grow = visible[visible.length - 1][2] / visible[0][2];
    assert.ok(grow > 3, `growing object's area grows ${grow}x`);
  });
}
