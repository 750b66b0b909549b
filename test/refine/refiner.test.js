// Refinement in a worker thread (src/refine/refiner.ts): the same masks as refineFrame on the
// main thread, in the order asked, and a failure that reaches the caller instead of a hang.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { openRefiner, refineFrame } from '../../dist/refine/index.js';

const [size, grid] = [96, 6];

/** A frame with a red disc at (cx, cy) on blue, and the tracker's blocky patch mask of it. */
function makeFrame(index, cx, cy) {
  const inside = (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= 25 ** 2;
  const image = Buffer.alloc(size * size * 3);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) image.set(inside(x, y) ? [200, 60, 50] : [40, 60, 170], (y * size + x) * 3);
  const soft = new Float32Array(grid * grid);
  for (let r = 0; r < grid; r++) for (let c = 0; c < grid; c++) soft[r * grid + c] = inside(c * 16 + 8, r * 16 + 8) ? 1 : 0;
  const result = { index, width: size, height: size, labels: new Uint16Array(size * size), objects: [{ id: 1, area: 0, bbox: [0, 0, 0, 0], score: 1, occluded: false }], attention: new Float32Array(grid * grid), rows: grid, cols: grid, soft: new Map([[1, soft]]) };
  return { result, image };
}

describe('refinement worker', () => {
  it('does not keep the process alive when a caller forgets close()', () => {
    // It did: unreferenced before its 'message' listener was added, which refs the worker's port again.
    const script = `const m = await import(${JSON.stringify(new URL('../../dist/refine/index.js', import.meta.url).href)}); m.openRefiner();`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    assert.equal(child.error?.code, undefined, 'the process did not exit');
    assert.equal(child.status, 0, String(child.stderr));
  });

  it('gives the masks refineFrame gives, frame by frame, with several frames in flight', async () => {
    const frames = [makeFrame(0, 40, 40), makeFrame(1, 50, 45), makeFrame(2, 60, 50), makeFrame(3, 45, 60)];
    const refiner = openRefiner();
    try {
      const refined = await Promise.all(frames.map(({ result, image }) => refiner.refine(result, image)));
      frames.forEach(({ result, image }, k) => {
        const expected = refineFrame(result, image);
        assert.equal(refined[k].index, k);
        assert.deepEqual(refined[k].labels, expected.labels, `frame ${k}`);
        assert.deepEqual(refined[k].objects, expected.objects, `frame ${k}`);
      });
      // The writers still need the frame's pixels: the caller's image is not taken away.
      assert.equal(frames[0].image.length, size * size * 3);
      assert.ok(refiner.busySeconds() > 0);
    } finally {
      await refiner.close();
    }
  });

  it('keeps the births a frame carries (they are painted into earlier frames after refinement)', async () => {
    const { result, image } = makeFrame(5, 40, 40);
    const births = [{ index: 3, labels: new Uint16Array(size * size).fill(9) }];
    const refiner = openRefiner();
    try {
      const refined = await refiner.refine({ ...result, births }, image);
      assert.deepEqual(refined.births, births);
      assert.deepEqual(refined.labels, refineFrame(result, image).labels);
    } finally {
      await refiner.close();
    }
  });

  it('hands back a frame without objects as it is, without sending it to the worker', async () => {
    // A frame with nothing to refine used to cost a copy of its pixels and a round trip
    // through the worker: CPU a fast model misses on a small machine.
    const { result, image } = makeFrame(4, 40, 40);
    const empty = { ...result, objects: [], soft: new Map() };
    const refiner = openRefiner();
    try {
      assert.equal(await refiner.refine(empty, image), empty);
      assert.equal(refiner.busySeconds(), 0);
    } finally {
      await refiner.close();
    }
  });

  it('hands back a frame without soft masks (an interpolated one) as it is', async () => {
    const { result, image } = makeFrame(2, 40, 40);
    const { soft, ...plain } = result;
    const refiner = openRefiner();
    try {
      assert.equal(await refiner.refine(plain, image), plain);
    } finally {
      await refiner.close();
    }
  });

  it('rejects a frame the worker cannot refine, and every later one after it is closed', async () => {
    const refiner = openRefiner();
    const { result } = makeFrame(0, 40, 40);
    await assert.rejects(refiner.refine(result, Buffer.alloc(3)), /refinement failed/);
    await refiner.close();
    await assert.rejects(refiner.refine(result, Buffer.alloc(size * size * 3)), /closed/);
  });
});
