// Prompted mode keeps what an annotator said: a relabel, an erase and a merge stick, and a
// hidden object neither takes a visible look-alike's body nor is taken for merged into it.
// Scenes from a review of the change that let the forward pass know every prompt's objects
// from its start (test/e2e/designed-model.test.js has the trial-10 clip that change is for).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { decode } from 'fast-png';
import { encodeDavisPng } from '../../dist/export/index.js';
import { createFeatureCacheWriter } from '../../dist/features/index.js';
import { makeTempDir, runCli } from '../fixtures.js';

const work = makeTempDir();
const patch = 16;
const dim = 8;

/** A unit-free token: `parts` maps dimensions to values (dimension 0 is the background). */
const look = (parts) => Array.from({ length: dim }, (_, k) => parts[k] ?? 0);

/** A feature cache: per frame, blobs { r, c, h, w, token, att } in patches over a background along dimension 0. */
async function makeCache(name, { rows, cols, count, blobsAt }) {
  const file = path.join(work, `${name}.safetensors`);
  const writer = createFeatureCacheWriter(file, { patch_size: patch, frame_width: cols * patch, frame_height: rows * patch, fps: 10, model: 'test' });
  const n = rows * cols;
  for (let t = 0; t < count; t++) {
    const patchTokens = new Float32Array(n * dim);
    const clsAttention = new Float32Array(2 * n).fill(1e-3);
    for (let i = 0; i < n; i++) patchTokens[i * dim] = 1;
    for (const { r, c, h = 3, w = 3, token, att = 1 } of blobsAt(t)) {
      for (let y = r; y < r + h; y++) for (let x = c; x < c + w; x++) {
        const i = y * cols + x;
        patchTokens.fill(0, i * dim, (i + 1) * dim);
        patchTokens.set(token, i * dim);
        clsAttention[i] = att;
        clsAttention[n + i] = att;
      }
    }
    await writer.write({ index: t, rows, cols, heads: 2, dim, patchTokens, clsAttention });
  }
  await writer.finish();
  return file;
}

/** Tracks with prompts (frame → [{ r, c, h, w, id }] in patches); returns each frame's id → patches it holds (by patch centres). */
async function trackWith(name, shape, cache, prompts) {
  const { rows, cols } = shape;
  const [width, height] = [cols * patch, rows * patch];
  const dir = path.join(work, `${name}-prompts`);
  mkdirSync(dir);
  for (const [frame, rects] of Object.entries(prompts)) {
    const labels = new Uint16Array(width * height);
    for (const { r, c, h = 3, w = 3, id } of rects) for (let y = r * patch; y < (r + h) * patch; y++) labels.fill(id, y * width + c * patch, y * width + (c + w) * patch);
    writeFileSync(path.join(dir, `${String(frame).padStart(5, '0')}.png`), encodeDavisPng(labels, width, height));
  }
  const out = path.join(work, `${name}-out`);
  const run = await runCli(['--features', cache, '--prompts', dir, '-o', out, '--format', 'davis', '--progress', 'none']);
  assert.equal(run.code, 0, run.stderr);
  return (t) => {
    const png = decode(readFileSync(path.join(out, 'masks', `${String(t).padStart(5, '0')}.png`)));
    const counts = {};
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      const id = png.data[(r * patch + patch / 2) * width + c * patch + patch / 2];
      if (id) counts[id] = (counts[id] ?? 0) + 1;
    }
    return counts;
  };
}

describe('--prompts: what an annotator said sticks, and look-alikes keep their ids', () => {
  it('a hidden object does not take a visible look-alike\'s body (whose base, elsewhere, looks unlike it)', async () => {
    const shape = { rows: 8, cols: 12 };
    const cache = await makeCache('swap', { ...shape, count: 12, blobsAt: (t) => [
      ...(t >= 3 && t <= 8 ? [] : [{ r: 1, c: 1, token: look({ 1: 1, 6: 0.1 }) }]),
      { r: 1, c: 7, token: look({ 1: 1, 7: 0.1 }) },
      { r: 4, c: 7, h: 1, w: 3, token: look({ 5: 1 }), att: 0.01 },
    ] });
    const read = await trackWith('swap', shape, cache, { 0: [{ r: 1, c: 1, id: 1 }, { r: 1, c: 7, h: 4, id: 2 }] });
    for (let t = 3; t <= 8; t++) assert.equal(read(t)[1], undefined, `frame ${t}: A is hidden, and B's body is not A's`);
  });

  it('a relabel sticks: the old id does not take the object back when its look turns towards the old prompt\'s', async () => {
    const shape = { rows: 8, cols: 12 };
    const cache = await makeCache('relabel', { ...shape, count: 12, blobsAt: (t) => [
      { r: 1, c: 4, token: t >= 3 && t <= 7 ? look({ 1: 1, 7: 0.3 }) : look({ 1: 1, 6: 0.3 }) },
      { r: 4, c: 4, h: 1, w: 3, token: look({ 5: 1 }), att: 0.01 },
    ] });
    const read = await trackWith('relabel', shape, cache, { 0: [{ r: 1, c: 4, h: 4, id: 1 }], 5: [{ r: 1, c: 4, h: 4, id: 3 }] });
    for (let t = 6; t < 12; t++) assert.equal(read(t)[1], undefined, `frame ${t}: id 1 is gone after the relabel`);
  });

  it('an erase sticks after its prompt, though the object is hidden at a later prompt', async () => {
    const shape = { rows: 8, cols: 12 };
    const cache = await makeCache('erase', { ...shape, count: 16, blobsAt: (t) => [
      { r: 1, c: 1, token: look({ 1: 1 }) },
      ...(t < 12 ? [{ r: 4, c: 7, token: look({ 2: 1 }) }] : []),
    ] });
    const read = await trackWith('erase', shape, cache, { 0: [{ r: 1, c: 1, id: 1 }, { r: 4, c: 7, id: 2 }], 4: [{ r: 1, c: 1, id: 1 }], 15: [{ r: 1, c: 1, id: 1 }] });
    for (let t = 5; t < 16; t++) assert.equal(read(t)[2], undefined, `frame ${t}: id 2 stays erased`);
  });

  it('an object hidden at a prompt that marks a textured look-alike is not taken for merged into it: it comes back', async () => {
    const shape = { rows: 8, cols: 40 }; // wider than the propagation window
    const [a6, a7, b] = [look({ 1: 1, 6: 0.3 }), look({ 1: 1, 7: 0.3 }), look({ 1: 1, 6: 0.3, 5: 0.1 })];
    const cache = await makeCache('merged', { ...shape, count: 12, blobsAt: (t) => [
      { r: 1, c: 1, token: a7 }, { r: 1, c: 1, h: 3, w: 1, token: a6 }, { r: 1, c: 1, h: 1, w: 3, token: a6 },
      ...(t < 4 ? [{ r: 4, c: 7, token: b }] : t >= 8 ? [{ r: 1, c: 30, token: b }] : []),
    ] });
    const read = await trackWith('merged', shape, cache, { 0: [{ r: 1, c: 1, id: 1 }, { r: 4, c: 7, id: 2 }], 5: [{ r: 1, c: 1, id: 1 }] });
    for (let t = 9; t < 12; t++) assert.ok((read(t)[2] ?? 0) >= 5, `frame ${t}: B is back as id 2 (${JSON.stringify(read(t))})`);
  });
});
