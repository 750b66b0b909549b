import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMultiTracker, paintBirth, propagateMasks } from '../../dist/track/index.js';
import { describeScene, fps as sceneFps, generateScene } from '../bench/scene-families.js';

const rows = 12;
const cols = 16;
const n = rows * cols;
const dim = 8;
const heads = 2;

function unit(seed) {
  const v = Float32Array.from({ length: dim }, (_, d) => Math.sin(seed * 12.9898 + d * 78.233) * 43758.5453 % 1);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * A frame with square objects: { id: [row, col, size, look, attendingHeads] }; features are
 * the vector of `look` (default: the id), attention 1 in the given heads (default: all);
 * background a fixed vector.
 */
function makeFrame(index, objects) {
  const patchTokens = new Float32Array(n * dim);
  const clsAttention = new Float32Array(heads * n).fill(1e-4);
  const background = unit(99);
  for (let i = 0; i < n; i++) patchTokens.set(background, i * dim);
  for (const [id, [r0, c0, size, look, attending]] of Object.entries(objects)) {
    const vector = unit(look ?? Number(id));
    for (let r = r0; r < r0 + size; r++) for (let c = c0; c < c0 + size; c++) {
      if (r < 0 || c < 0 || r >= rows || c >= cols) continue;
      patchTokens.set(vector, (r * cols + c) * dim);
      for (const h of attending ?? [0, 1]) clsAttention[h * n + r * cols + c] = 1;
    }
  }
  return { index, rows, cols, heads, dim, clsAttention, patchTokens };
}

const options = { width: cols * 4, height: rows * 4, fps: 10, threshold: 0.9, maxObjects: 8, occlusionFrames: 20 };
const visibleIds = (result) => result.objects.filter((o) => !o.occluded).map((o) => o.id);

describe('label propagation', () => {
  it('carries a mask along a translated pattern', async () => {
    // Each patch has its own feature; the target frame is the source shifted right by 2 columns.
    const feature = (r, c) => unit(r * 100 + c + 1);
    const source = new Float32Array(n * dim);
    const target = new Float32Array(n * dim);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
      source.set(feature(r, c), (r * cols + c) * dim);
      target.set(feature(r, Math.max(0, c - 2)), (r * cols + c) * dim);
    }
    const mask = new Float32Array(n);
    for (let r = 3; r < 6; r++) for (let c = 4; c < 8; c++) mask[r * cols + c] = 1;
    const out = (await propagateMasks(target, [{ tokens: source, masks: new Map([[7, mask]]) }], { rows, cols, dim, radius: 4, topK: 1, temperature: 0.1 })).get(7);
    for (let r = 0; r < rows; r++) for (let c = 2; c < cols; c++) {
      const expected = r >= 3 && r < 6 && c >= 6 && c < 10 ? 1 : 0;
      assert.equal(Math.round(out[r * cols + c]), expected, `patch ${r},${c}`);
    }
  });

  it('equals the plain definition (window, top-k, exp(cos/τ)) over several frames and ids', async () => {
    // Sparse masks exercise the shortcut that skips target patches with no labelled source nearby.
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const randomTokens = () => {
      const t = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) t.set(unit(random() * 1e6), i * dim);
      return t;
    };
    const sparseMask = (r0, c0) => {
      const m = new Float32Array(n);
      for (let r = r0; r < r0 + 2; r++) for (let c = c0; c < c0 + 3; c++) m[r * cols + c] = random();
      return m;
    };
    const context = [
      { tokens: randomTokens(), masks: new Map([[1, sparseMask(1, 1)], [2, sparseMask(8, 10)]]) },
      { tokens: randomTokens(), masks: new Map([[1, sparseMask(2, 2)]]) },
    ];
    const target = randomTokens();
    const radius = 3;
    const topK = 4;
    const tau = 0.1;
    const out = await propagateMasks(target, context, { rows, cols, dim, radius, topK, temperature: tau });
    for (let j = 0; j < n; j++) {
      const [r, c] = [Math.floor(j / cols), j % cols];
      const candidates = [];
      context.forEach((frame, f) => {
        for (let i = 0; i < n; i++) {
          const [sr, sc] = [Math.floor(i / cols), i % cols];
          if (Math.abs(sr - r) > radius || Math.abs(sc - c) > radius) continue;
          let sim = 0;
          for (let d = 0; d < dim; d++) sim += target[j * dim + d] * frame.tokens[i * dim + d];
          candidates.push({ sim, f, i });
        }
      });
      candidates.sort((a, b) => b.sim - a.sim);
      const top = candidates.slice(0, topK);
      const total = top.reduce((s, k) => s + Math.exp(k.sim / tau), 0);
      for (const id of [1, 2]) {
        const expected = top.reduce((s, k) => s + Math.exp(k.sim / tau) * (context[k.f].masks.get(id)?.[k.i] ?? 0), 0) / total;
        assert.ok(Math.abs(out.get(id)[j] - expected) < 1e-5, `id ${id} patch ${r},${c}: ${out.get(id)[j]} vs ${expected}`);
      }
    }
  });
});

describe('multi-object tracker', () => {
  it('gives two objects two stable ids while they move', async () => {
    const tracker = createMultiTracker(options);
    let ids;
    for (let t = 0; t < 10; t++) {
      const result = await tracker.update(makeFrame(t, { 1: [2, 1 + (t >> 1), 3], 2: [7, 10, 3] }));
      if (t >= 3) {
        ids ??= visibleIds(result);
        assert.deepEqual(visibleIds(result), ids);
      }
    }
    assert.equal(ids.length, 2);
  });

  it('keeps objects to their own patches when every token shares a large common component (as ViT tokens do)', async () => {
    // Each background patch its own vector, and one shared vector of twice a token's length added
    // to every patch: raw cosines between unrelated patches are then ~0.8, and on raw tokens
    // the tracker made no track at all (a square did not stand out from the ring around it).
    const shared = unit(7).map((x) => 2 * x);
    const tracker = createMultiTracker(options);
    let result;
    for (let t = 0; t < 10; t++) {
      const frame = makeFrame(t, { 1: [2, 1 + (t >> 1), 3], 2: [7, 10, 3] });
      for (let i = 0; i < n; i++) {
        const own = frame.patchTokens.subarray(i * dim, (i + 1) * dim);
        if (own.every((x, d) => x === unit(99)[d])) own.set(unit(1000 + i));
        for (let d = 0; d < dim; d++) own[d] += shared[d];
      }
      result = await tracker.update(frame);
    }
    const visible = result.objects.filter((o) => !o.occluded);
    assert.equal(visible.length, 2, `tracks: ${JSON.stringify(result.objects.map((o) => [o.id, o.area]))}`);
    // A 3x3-patch square is 144 px here (4-px patches); a mask may take a ring of patches, not the frame.
    for (const object of visible) assert.ok(object.area <= 400, `object ${object.id}: ${object.area} px`);
  });

  it('tracks a close-up: an object covering 42% of the frame', async () => {
    const tracker = createMultiTracker(options);
    let result;
    // 9x9 of the 12x16 patches: a 42% share (at most a quarter of the frame used to be born).
    for (let t = 0; t < 10; t++) result = await tracker.update(makeFrame(t, { 1: [2, 3, 9] }));
    const visible = result.objects.filter((o) => !o.occluded);
    assert.equal(visible.length, 1, `tracks: ${JSON.stringify(result.objects)}`);
    assert.ok(visible[0].area >= 0.8 * 81 * 16, `area ${visible[0].area} px of ${81 * 16}`);
  });

  it('re-identifies an object after a gap: it returns with its old id, marked occluded meanwhile', async () => {
    const tracker = createMultiTracker(options);
    let before;
    for (let t = 0; t < 5; t++) before = await tracker.update(makeFrame(t, { 1: [2, 2, 3], 2: [7, 10, 3] }));
    const idOf = (result, col) => result.objects.find((o) => !o.occluded && Math.abs(o.bbox[0] / 4 - col) < 2)?.id;
    const hiddenId = idOf(before, 2);
    assert.ok(hiddenId);
    for (let t = 5; t < 15; t++) {
      const during = await tracker.update(makeFrame(t, { 2: [7, 10, 3] }));
      assert.ok(during.objects.some((o) => o.id === hiddenId && o.occluded), 'the hidden object is reported as occluded');
    }
    const after = await tracker.update(makeFrame(15, { 1: [3, 6, 3], 2: [7, 10, 3] }));
    assert.equal(idOf(after, 6), hiddenId);
  });

  it('never reuses an id: a new object after a track ended gets a new one', async () => {
    const tracker = createMultiTracker({ ...options, occlusionFrames: 2 });
    let first;
    for (let t = 0; t < 5; t++) first = await tracker.update(makeFrame(t, { 1: [2, 2, 3] }));
    const [oldId] = visibleIds(first);
    for (let t = 5; t < 10; t++) await tracker.update(makeFrame(t, {}));
    let last;
    for (let t = 10; t < 15; t++) last = await tracker.update(makeFrame(t, { 3: [6, 8, 3] }));
    assert.deepEqual(last.objects.map((o) => o.id).filter((id) => id === oldId), []);
    assert.ok(visibleIds(last)[0] > oldId);
  });
});

/** The label at the centre of a patch (frames are 4 pixels per patch). */
const labelAt = (result, r, c) => result.labels[(r * 4 + 2) * result.width + c * 4 + 2];

/** Columns of the frames where two 4x4 squares move along one row (a wider frame than makeFrame's). */
const rowCols = 20;

/**
 * A frame of `rowCols` columns with 4x4 squares at rows 4-7: [first column, unit look] each,
 * painted in order (a later one in front where they overlap), attended by both heads.
 */
function makeRowFrame(index, squares) {
  const n = rows * rowCols;
  const patchTokens = new Float32Array(n * dim);
  const clsAttention = new Float32Array(heads * n).fill(1e-4);
  for (let i = 0; i < n; i++) patchTokens.set(unit(99), i * dim);
  for (const [c0, look] of squares) {
    for (let r = 4; r < 8; r++) for (let c = Math.max(0, c0); c < Math.min(rowCols, c0 + 4); c++) {
      patchTokens.set(look, (r * rowCols + c) * dim);
      clsAttention[r * rowCols + c] = 1;
      clsAttention[n + r * rowCols + c] = 1;
    }
  }
  return { index, rows, cols: rowCols, heads, dim, clsAttention, patchTokens };
}

/** Tracks `frames` frames of `frameAt` and returns each frame's ids along row 5, one digit a column. */
async function trackRow(frameAt, frames) {
  const tracker = createMultiTracker({ ...options, fps: 25, width: rowCols * 4, height: rows * 4, occlusionFrames: 50 });
  const rowIds = [];
  for (let t = 0; t < frames; t++) {
    const result = await tracker.update(frameAt(t));
    rowIds.push(Array.from({ length: rowCols }, (_, c) => result.labels[(5 * 4 + 2) * result.width + c * 4 + 2]).join(''));
  }
  return rowIds;
}

describe('multi-object tracker: identity, objectness, backfill', () => {
  const at25 = { ...options, fps: 25 };
  it('keeps the ids of two look-alike objects that cross (motion, not appearance)', async () => {
    const tracker = createMultiTracker(at25);
    let result;
    for (let t = 0; t < 13; t++) {
      // Same look (7) for both; A moves right, B left, on the same rows: they overlap fully at t = 6.
      result = await tracker.update(makeFrame(t, { 1: [4, 1 + t, 3, 7], 2: [4, 13 - t, 3, 7] }));
      if (t === 3) {
        assert.deepEqual(visibleIds(result), [1, 2]);
        assert.equal(labelAt(result, 5, 5), 1, 'A (left) is track 1');
      }
    }
    assert.equal(labelAt(result, 5, 14), 1, 'A ends on the right with its id');
    assert.equal(labelAt(result, 5, 1), 2, 'B ends on the left with its id');
  });

  it('keeps the ids of two look-alikes merged into one region for longer than coastFrames (25), as they cross slowly', async () => {
    const tracker = createMultiTracker(at25);
    let result;
    let merged = 0;
    for (let t = 0; t < 95; t++) {
      // Same look; A drifts right and B left at 0.1 patch a frame: one region (touching, then
      // overlapping) from t = 40 to 74, 35 frames, and apart again after.
      const a = Math.round(2 + 0.1 * t);
      const b = Math.round(13 - 0.1 * t);
      if (Math.abs(b - a) <= 3) merged++;
      result = await tracker.update(makeFrame(t, { 1: [4, a, 3, 7], 2: [4, b, 3, 7] }));
      if (t === 20) assert.deepEqual([labelAt(result, 5, 5), labelAt(result, 5, 12)], [1, 2], 'A (left) is track 1, B track 2');
    }
    assert.ok(merged > 25, `merged ${merged} frames`);
    assert.deepEqual(visibleIds(result), [1, 2], 'no track ended, none was born');
    assert.equal(labelAt(result, 5, 12), 1, 'A ends on the right with its id');
    assert.equal(labelAt(result, 5, 4), 2, 'B ends on the left with its id');
  });

  it('makes no track of a region only one head attends (a wall), and one of an object all heads attend', async () => {
    const tracker = createMultiTracker(at25);
    let result;
    // The wall: head 1 at 10x its background (a strong single head is 16x, multiTrackerTuning.strongLift).
    for (let t = 0; t < 6; t++) {
      const frame = makeFrame(t, { 1: [2, 2, 3], 9: [1, 9, 6, 9, [1]] });
      for (let i = n; i < 2 * n; i++) frame.clsAttention[i] = Math.max(frame.clsAttention[i], 0.1);
      result = await tracker.update(frame);
    }
    assert.deepEqual(visibleIds(result), [1]);
    assert.equal(labelAt(result, 3, 3), 1);
    assert.equal(labelAt(result, 3, 11), 0);
  });

  it('tracks a small object only one head attends (strongly) from its first frames, and paints it into them', async () => {
    // The CLI's default threshold: the head average's 60% mass then holds only the large object.
    const tracker = createMultiTracker({ ...at25, threshold: 0.6 });
    const results = [];
    // Object 1 (4x4): head 1 attends it, head 0 at 0.3 of that; object 2 (2x2, its own look):
    // head 0 only, at 22x that head's frame mean (and far above its background level, 1e-4).
    // Neither the head average nor a majority of heads keeps object 2 as foreground.
    for (let t = 0; t < 8; t++) {
      const frame = makeFrame(t, { 1: [2, 2, 4], 2: [8, 10 + (t >> 2), 2, 2, [0]] });
      for (let r = 2; r < 6; r++) for (let c = 2; c < 6; c++) frame.clsAttention[r * cols + c] = 0.3;
      results.push(await tracker.update(frame));
    }
    const last = results[results.length - 1];
    assert.deepEqual(visibleIds(last), [1, 2]);
    assert.equal(labelAt(last, 8, 11), 2);
    const painted = results.flatMap((r) => r.births ?? []).filter((b) => labelAt({ ...last, labels: b.labels }, 8, 10) === 2).map((b) => b.index);
    assert.equal(painted[0], 0, `painted into frames ${painted}`);
  });

  it('makes no track of a blob that one head attends but that does not stay put (a noise peak, a wandering blob)', async () => {
    const tracker = createMultiTracker(at25);
    let result;
    // Head 0 attends a 2x2 blob that jumps 5 patches a frame, looking different each frame.
    for (let t = 0; t < 12; t++) result = await tracker.update(makeFrame(t, { 1: [2, 2, 4], 50: [7 + (t % 2) * 3, 1 + ((t * 5) % 13), 2, 50 + t, [0]] }));
    assert.deepEqual(visibleIds(result), [1]);
  });

  it('hides a track whose region stops drawing the heads as an object does (one head, weakly)', async () => {
    const tracker = createMultiTracker(at25);
    let result;
    // A 5x5 object: both heads attend it at about 8x their frame mean, then only head 1 does,
    // at 10x its background (weakly: a strong single head is 16x, multiTrackerTuning.strongLift).
    for (let t = 0; t < 4; t++) result = await tracker.update(makeFrame(t, { 1: [3, 5, 5] }));
    assert.deepEqual(visibleIds(result), [1]);
    for (let t = 4; t < 10; t++) {
      const frame = makeFrame(t, { 1: [3, 5, 5, 1, [1]] });
      for (let i = n; i < 2 * n; i++) frame.clsAttention[i] = Math.max(frame.clsAttention[i], 0.1);
      result = await tracker.update(frame);
    }
    assert.deepEqual(visibleIds(result), []);
    assert.deepEqual(result.objects.map((o) => [o.id, o.occluded]), [[1, true]]);
  });

  // A 2x4-patch object slides right, one column every 2 frames, behind a wall of columns 6-12
  // (attended by no head), and stops behind it for `pause` frames: fully hidden 8 + pause frames
  // (t 10 to 17 + pause). Its 1-column slivers (2 patches, under minPatches) go unseen too.
  const wallFrame = (t, pause) => {
    const s = t < 12 ? t : Math.max(12, t - pause);
    const c0 = 1 + (s >> 1);
    const frame = makeFrame(t, {});
    for (let r = 4; r < 6; r++) for (let c = c0; c < c0 + 4; c++) {
      if (c >= 6 && c <= 12) continue;
      frame.patchTokens.set(unit(1), (r * cols + c) * dim);
      for (let h = 0; h < heads; h++) frame.clsAttention[h * n + r * cols + c] = 1;
    }
    return frame;
  };
  const passWall = async (pause) => {
    const tracker = createMultiTracker({ ...options, occlusionFrames: 10 });
    const seen = [];
    let first;
    let last;
    for (let t = 0; t < 24 + pause; t++) {
      const result = await tracker.update(wallFrame(t, pause));
      seen.push(visibleIds(result).length > 0);
      if (t === 3) first = visibleIds(result);
      last = visibleIds(result);
    }
    return { first, last, outOfSight: seen.lastIndexOf(false) - seen.indexOf(false) + 1 };
  };

  it('keeps the id of an object hidden by a wall for less than occlusionFrames, though out of sight longer (its slivers go unseen)', async () => {
    const { first, last, outOfSight } = await passWall(0);
    assert.deepEqual(first, [1]);
    assert.ok(outOfSight > 10, `out of sight ${outOfSight} frames, more than occlusionFrames`);
    assert.deepEqual(last, [1], 'back with its id');
  });

  it('gives an object hidden by a wall far longer than occlusionFrames a new id (only its slivers are discounted)', async () => {
    const { first, last } = await passWall(20);
    assert.deepEqual(first, [1]);
    assert.deepEqual(last, [2]);
  });

  it('paints a new object into the frames that led to its birth', async () => {
    const tracker = createMultiTracker(at25);
    const results = [];
    for (let t = 0; t < 3; t++) results.push(await tracker.update(makeFrame(t, { 1: [2, 2 + t, 3] })));
    assert.deepEqual(visibleIds(results[0]), []);
    assert.deepEqual(visibleIds(results[2]), [1]);
    assert.equal(tracker.lookBack, 25, 'one second held back (paintBackSeconds)');
    assert.deepEqual(results[2].births.map((b) => b.index), [0, 1]);
    assert.equal(labelAt({ ...results[2], labels: results[2].births[0].labels }, 3, 3), 1);
    assert.equal(labelAt({ ...results[2], labels: results[2].births[0].labels }, 3, 6), 0, 'the mask of frame 0, not of frame 2');
  });

  it('paints a new object back into the frames where it was already a region, before it looked like an object', async () => {
    // A small object one head attends (a region, but not object-like: one head, not strongly)
    // for 10 frames, then a second head too: born at frame 12, it was there since frame 0.
    const oneHeadFirst = (index) => {
      const frame = makeFrame(index, {});
      const at = (r, c) => r * cols + c;
      for (let i = 0; i < n; i++) frame.clsAttention[i] = 0.05; // head 0 sees the background a little
      const look = unit(1);
      for (let r = 4; r < 7; r++) for (let c = 5 + (index >> 2); c < 8 + (index >> 2); c++) {
        frame.patchTokens.set(look, at(r, c) * dim);
        frame.clsAttention[at(r, c)] = 0.65; // 13 times head 0's background: a region (12x), not a strong one (16x)
        if (index >= 10) frame.clsAttention[n + at(r, c)] = 1;
      }
      return frame;
    };
    const tracker = createMultiTracker(at25);
    const results = [];
    for (let t = 0; t < 14; t++) results.push(await tracker.update(oneHeadFirst(t)));
    assert.deepEqual(results.map((r) => visibleIds(r).length), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
    const births = results[12].births;
    assert.deepEqual(births.map((b) => b.index), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.equal(labelAt({ ...results[0], labels: births[0].labels }, 5, 5), 1, 'where it was in frame 0');
    assert.equal(labelAt({ ...results[0], labels: births[0].labels }, 5, 8), 0, 'not where it was at its birth');
    // Painted where it did not yet look like an object: as confident as at its birth, not fully.
    assert.deepEqual(paintBirth(results[0], births[0]).objects.map((o) => [o.id, o.score]), [[1, 0.5]]);
  });

  it('hides a look-alike behind another while they cross, instead of giving it part of the one in front, and keeps both ids', async () => {
    // A (in front) moves right, B (behind it, cosine 0.82 to A) moves left along the same row of a
    // 20-column frame; at frame 7 A covers B entirely. Splitting their one region by prediction
    // gave B half of A's patches there.
    const a = unit(1);
    const b = unit(1).map((x, d) => x + 0.8 * unit(2)[d]);
    const unitB = b.map((x) => x / Math.hypot(...b));
    // B is painted first: where they overlap, A's tokens (in front).
    const crossing = (t) => makeRowFrame(t, [[15 - t, unitB], [1 + t, a]]);
    const rowIds = await trackRow(crossing, 15);
    assert.equal(rowIds[3], '00001111000022220000', 'A is 1, B is 2');
    assert.equal(rowIds[7], '00000000111100000000', 'B, wholly behind A, is hidden; A keeps all of its patches');
    assert.equal(rowIds[14], '02222000000000011110', 'both back with their ids after the crossing');
  });

  it('keeps the ids of two objects of different looks that meet and stay touching (split by look, not by coasting predictions)', async () => {
    // A moves right and B left until they touch (A at columns 6-9, B at 10-13), then both stop:
    // one region from frame 5 on. Split by prediction, the coasting predictions crossed and
    // swapped the two ids for good.
    const meeting = (t) => makeRowFrame(t, [[Math.min(1 + t, 6), unit(1)], [Math.max(15 - t, 10), unit(2)]]);
    const rowIds = await trackRow(meeting, 30);
    assert.equal(rowIds[3], '00001111000022220000');
    for (const t of [8, 15, 29]) assert.equal(rowIds[t], '00000011112222000000', `frame ${t}`);
  });

  it('gives a clip shorter than the birth window its objects at the end', async () => {
    const tracker = createMultiTracker(at25);
    const result = await tracker.update(makeFrame(0, { 1: [2, 2, 3] }));
    assert.deepEqual(visibleIds(result), []);
    const backfill = await tracker.finish();
    assert.deepEqual(backfill.map((b) => b.index), [0]);
    assert.equal(backfill[0].score, 0.5, 'as confident as any birth');
    assert.equal(labelAt({ ...result, labels: backfill[0].labels }, 3, 3), 1);
  });
});

/** An object's look: unit(seed) with the background's direction taken out (as unlike it as a look can be). */
function lookOf(seed) {
  const [v, background] = [unit(seed), unit(99)];
  const along = v.reduce((sum, x, d) => sum + x * background[d], 0);
  const u = v.map((x, d) => x - along * background[d]);
  const norm = Math.hypot(...u);
  return u.map((x) => x / norm);
}

/** A unit vector `weight` of the way from look `a` towards look `b` (a partial look-alike). */
function blend(a, b, weight) {
  const v = a.map((x, d) => (1 - weight) * x + weight * b[d]);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/**
 * A frame of `sceneCols` columns: rectangles [first row, first column, height, width, look]
 * attended by both heads, painted in order; then `pillar` ([first column, width]: background,
 * unattended, in front of everything) hides what is behind it.
 */
const sceneCols = 24;
function makeSceneFrame(index, rects, pillar) {
  const n = rows * sceneCols;
  const patchTokens = new Float32Array(n * dim);
  const clsAttention = new Float32Array(heads * n).fill(1e-4);
  for (let i = 0; i < n; i++) patchTokens.set(unit(99), i * dim);
  const inPillar = (c) => pillar !== undefined && c >= pillar[0] && c < pillar[0] + pillar[1];
  for (const [r0, c0, height, width, look] of rects) {
    for (let r = r0; r < r0 + height; r++) for (let c = Math.max(0, c0); c < Math.min(sceneCols, c0 + width); c++) {
      if (inPillar(c)) continue;
      patchTokens.set(look, (r * sceneCols + c) * dim);
      clsAttention[r * sceneCols + c] = 1;
      clsAttention[n + r * sceneCols + c] = 1;
    }
  }
  return { index, rows, cols: sceneCols, heads, dim, clsAttention, patchTokens };
}

const sceneOptions = { ...options, width: sceneCols * 4, height: rows * 4 };
const sceneLabelAt = (result, r, c) => result.labels[(r * 4 + 2) * result.width + c * 4 + 2];

/** The labels at row 5, columns `left` and `right`, of the last of `frames` frames of rectangles `rectsAt(t)` behind `pillar`. */
async function labelsAfter(frames, rectsAt, pillar, [left, right]) {
  const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
  let result;
  for (let t = 0; t < frames; t++) result = await tracker.update(makeSceneFrame(t, rectsAt(t), pillar));
  return [sceneLabelAt(result, 5, left), sceneLabelAt(result, 5, right)];
}

describe('multi-object tracker: pieces of one object, look-alikes apart from it', () => {
  it('keeps one id for an object that a pillar narrower than it splits in two, on both sides of the pillar', async () => {
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    // A 4x7 object whose left and right parts look partly alike moves right half a column a
    // frame across a 4-column pillar; its right part is wholly behind the pillar for 4 frames
    // (longer than propagation's context), so what emerges beyond it is apart from the track's
    // region. On features this clean propagation labels it as the track anyway, so this holds
    // before the other-side rule too: it guards births judged on the tracks' own regions, which
    // without that rule gave the far side its own id (benchmark scene 116 below does fail before).
    const [left, right] = [lookOf(3), blend(lookOf(3), lookOf(4), 0.5)];
    const split = [];
    for (let t = 0; t < 40; t++) {
      const c0 = 1 + Math.floor(t / 2);
      const result = await tracker.update(makeSceneFrame(t, [[4, c0, 4, 4, left], [4, c0 + 4, 4, 3, right]], [10, 4]));
      if (t < 3) continue;
      assert.deepEqual(visibleIds(result), [1], `t ${t}: one object, one id`);
      if (c0 <= 9 && c0 + 6 >= 14) split.push([sceneLabelAt(result, 5, c0), sceneLabelAt(result, 5, c0 + 6)]);
    }
    assert.ok(split.length >= 4, `split in ${split.length} frames`);
    for (const sides of split) assert.deepEqual(sides, [1, 1], 'both sides of the pillar are the object');
  });

  /** The ids a benchmark scene's tracker shows over the whole scene. */
  async function trackScene(seed) {
    const scene = describeScene(seed);
    const tracker = createMultiTracker({ width: scene.width, height: scene.height, fps: sceneFps, threshold: 0.6, maxObjects: 20 });
    const ids = new Set();
    for (const frame of generateScene(scene)) for (const object of (await tracker.update(frame)).objects) ids.add(object.id);
    return [...ids];
  }

  it('keeps one id for an object entering the frame partly behind a pillar, when its far side comes out (benchmark scene 116)', async () => {
    // Noisy DINO-like features (bench:track's generator): the object's far side, beyond a pillar
    // 88 px wide, is apart from its track's region and looks only partly like it; it was born as
    // a second object (2 tracks, 1 id switch, J/oracle 0.80).
    assert.deepEqual(await trackScene(116), [1], 'one object, one track');
  });

  it('keeps one id for an object entering behind a pillar whose far side grows larger than the side in view (scene 1420)', async () => {
    // Seed 1420 is in neither the tuning nor the test set. The far side, taken while it was
    // smaller than the side in view at the frame's edge, was refused once it grew larger and
    // was born as a second object, which kept the id once the near side went behind the pillar.
    assert.deepEqual(await trackScene(1420), [1], 'one object, one track');
  });

  it('keeps one id for an object whose track moves to its far side, for the side left behind (scene 2820)', async () => {
    // Seed 2820, in neither set: the track followed the far side once it was the larger, and the
    // near side it left (a sliver not yet behind the pillar) was born as a second object.
    assert.deepEqual(await trackScene(2820), [1], 'one object, one track');
  });

  it('keeps one id for an object whose trailing side, left beside a pillar, holds its size before it goes (scene 5720)', async () => {
    // Seed 5720, in neither set (the pillar probe): a 5, 5, 4-patch sliver of the side left
    // behind the pillar was born as a second object for 3 frames; it had not shrunk under
    // isReceding's share within the birth window.
    assert.deepEqual(await trackScene(5720), [1], 'one object, one track');
  });

  it('keeps one id for an object coming into the frame behind a pillar, when its trailing side shrinks away behind it', async () => {
    // 10 columns wide, 8 rows tall, entering from the left edge at half a column a frame; a pillar
    // of columns 4-6 hides its middle. Its track follows the larger side, which it never saw whole:
    // the side left behind the pillar shrank by a column every two frames and was born as a second
    // object (benchmark probe scene 616).
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const look = lookOf(5);
    const seen = new Set();
    for (let t = 0; t < 40; t++) {
      const result = await tracker.update(makeSceneFrame(t, [[4, -9 + Math.floor(t / 2), 8, 10, look]], [4, 3]));
      for (const id of visibleIds(result)) seen.add(id);
    }
    assert.deepEqual([...seen], [1]);
  });

  it('keeps one id for an object coming into the frame behind a pillar wider than the side in view, when its far side comes out', async () => {
    // 10 columns wide, 3 rows tall, entering from the left edge at half a column a frame; a
    // pillar of columns 3-7 hides its middle. The track sees 3 columns of it at the frame's edge
    // (an object about 3 patches wide, by its size and height), so the far side coming out 5
    // columns away was born as a second object (benchmark probe scenes 916, 1520, 2120).
    const seen = new Set();
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const look = lookOf(5);
    for (let t = 0; t < 50; t++) {
      const result = await tracker.update(makeSceneFrame(t, [[4, -9 + Math.floor(t / 2), 3, 10, look]], [3, 5]));
      for (const id of visibleIds(result)) seen.add(id);
    }
    assert.deepEqual([...seen], [1]);
  });

  it('gives a look-alike coming out from behind a pillar beside a still object in full view an id of its own', async () => {
    // The track's side does not go behind the pillar, nor is it cut by the frame's edge: what comes out is another object.
    const look = lookOf(5);
    // Still at columns 1-2; the look-alike, 6 columns wide, comes out at column 9 from behind a pillar of columns 4-8 and stops at 14-19.
    const [a, b] = await labelsAfter(40, (t) => [[4, 1, 3, 2, look], [4, Math.min(14, 4 + Math.floor(t / 2)), 3, 6, look]], [4, 5], [1, 16]);
    assert.ok(a > 0 && b > 0, `left ${a}, right ${b}: both tracked`);
    assert.notEqual(b, a);
  });

  it('gives a look-alike that came out from behind a pillar beside an object at the frame\'s edge, and stopped, an id of its own', async () => {
    // The object stands at columns 0-2, cut by the frame's edge; the look-alike comes out at
    // column 9 from behind a pillar of columns 4-8, as an object coming in behind the pillar
    // would show its far side, and stops 2 columns out. Taken for the object's far side, it
    // stayed in its track for good (a review's reproducer): two sides that stop moving are released.
    const look = lookOf(5);
    const [a, b] = await labelsAfter(80, (t) => [[4, -1, 3, 4, look], [4, Math.min(14, 5 + Math.floor(t / 2)), 3, 4, look]], [4, 5], [1, 15]);
    assert.ok(a > 0 && b > 0, `left ${a}, right ${b}: both tracked`);
    assert.notEqual(b, a);
  });

  it('gives a look-alike that came out from behind a pillar beside an object at the frame\'s edge, and walks on, an id of its own soon after it leaves the pillar', async () => {
    // As above, but it walks on at half a column a frame (a review's reproducer). Taken for the
    // object's far side as it came out, it kept the object's id until it was further off than
    // both together had been wide (frame 24); a far side stays at the pillar's edge. It leaves
    // the edge at frame 14, and is born once it has behaved as an object for the birth window.
    const look = lookOf(5);
    const [a, b] = await labelsAfter(21, (t) => [[4, -1, 3, 4, look], [4, 4 + Math.floor(t / 2), 3, 4, look]], [4, 5], [1, 15]);
    assert.ok(a > 0 && b > 0, `left ${a}, right ${b}: both tracked`);
    assert.notEqual(b, a, 'its own id by frame 20');
  });

  it('gives a look-alike leaving through the frame\'s edge beside an object, both there from the first frame, an id of its own', async () => {
    // It shrinks away beside a track born in the same frame, as a trailing side does; but it was
    // never part of that track (a review's reproducer: it was never born).
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const look = lookOf(5);
    let seen;
    for (let t = 0; t < 4; t++) {
      const result = await tracker.update(makeSceneFrame(t, [[1, 14, 4, 6, look], [6, 20 + t, 4, 4, look]]));
      if (t === 2) seen = visibleIds(result);
    }
    assert.equal(seen.length, 2);
  });

  it('gives one of two look-alikes taken for one object split by a pole its own id once it walks clear', async () => {
    // Either side of a pole (an object in front) from the first frame, two look-alikes are one
    // object seen in two sides (by design). A review found the rule that a part stays a part,
    // in its first form (no bound on distance or size), kept the one that walked away in the
    // other's track for good: a part stays a part only while it could still be one.
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const [look, pole] = [lookOf(5), lookOf(7)];
    let result;
    for (let t = 0; t < 60; t++) {
      const b = t < 12 ? 12 : Math.min(19, 12 + Math.floor((t - 12) / 2)); // walks right from t 12, stops 5 columns clear
      result = await tracker.update(makeSceneFrame(t, [[4, 6, 4, 4, look], [0, 10, 12, 2, pole], [4, b, 4, 4, look]]));
    }
    const [a, b] = [sceneLabelAt(result, 5, 7), sceneLabelAt(result, 5, 20)];
    assert.ok(a > 0 && b > 0, `left ${a}, right ${b}: both tracked`);
    assert.notEqual(b, a, 'the one that walked away has an id of its own');
  });

  it('gives a look-alike that appears apart from a tracked object in full view an id of its own', async () => {
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    // Label propagation labels by look, so the newcomer's patches were labelled as the object's
    // and the object's track kept them, frame after frame.
    const look = lookOf(5);
    let result;
    for (let t = 0; t < 30; t++) {
      const rects = [[2, 2 + Math.floor(t / 4), 3, 3, look]];
      if (t >= 8) rects.push([7, 10, 3, 3, look]); // two rows below where the object passes
      result = await tracker.update(makeSceneFrame(t, rects));
    }
    const [object, newcomer] = [sceneLabelAt(result, 3, 10), sceneLabelAt(result, 8, 11)];
    assert.ok(object > 0 && newcomer > 0, `object ${object}, newcomer ${newcomer}: both tracked`);
    assert.notEqual(newcomer, object, 'the newcomer has an id of its own');
    assert.deepEqual(visibleIds(result), [object, newcomer].sort((a, b) => a - b));
  });

  it('gives a look-alike beside an object cut by the frame\'s edge an id of its own (the object is not taken to reach it)', async () => {
    // An object cut by the frame's edge may be larger than it looks, so a region beyond it can be
    // its far side (coming in behind a pillar) — but not one larger than the part of it in view.
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const look = lookOf(5);
    let result;
    for (let t = 0; t < 30; t++) {
      const rects = [[3, 0, 4, 2, look]]; // 2 of its columns in view, at the left edge
      if (t >= 8) rects.push([3, 5, 4, 4, look]); // a look-alike 3 columns beyond it
      result = await tracker.update(makeSceneFrame(t, rects));
    }
    const [object, newcomer] = [sceneLabelAt(result, 4, 0), sceneLabelAt(result, 4, 6)];
    assert.ok(object > 0 && newcomer > 0, `object ${object}, newcomer ${newcomer}: both tracked`);
    assert.notEqual(newcomer, object, 'the newcomer has an id of its own');
  });

  it('gives an object first seen already split by an object in front of it one id, painted back on both sides', async () => {
    // A 4x9 object behind a tall 2-column pillar (an attended object, in front) from the first
    // frame: two regions that look alike, side by side, the pillar between them. Both were born,
    // as two objects; the object has never been seen whole, so the other-side rule had nothing to
    // judge by.
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const [look, pillar] = [lookOf(5), lookOf(7)];
    const painted = [];
    for (let t = 0; t < 20; t++) {
      const c0 = 5 + Math.floor(t / 4);
      const result = await tracker.update(makeSceneFrame(t, [[4, c0, 4, 9, look], [0, 10, 12, 2, pillar]]));
      for (const birth of result.births ?? []) painted.push(birth);
      if (t < 3) continue;
      const [left, right, front] = [sceneLabelAt(result, 5, c0), sceneLabelAt(result, 5, c0 + 8), sceneLabelAt(result, 1, 10)];
      assert.ok(left > 0 && front > 0, `t ${t}: the object (${left}) and the pillar (${front}) are tracked`);
      assert.equal(right, left, `t ${t}: both sides of the pillar are one object`);
      assert.notEqual(front, left, `t ${t}: the pillar is another`);
      assert.equal(visibleIds(result).length, 2, `t ${t}: two objects`);
    }
    const first = painted.filter((b) => b.index === 0).map((b) => [b.labels[(5 * 4 + 2) * sceneOptions.width + 5 * 4 + 2], b.labels[(5 * 4 + 2) * sceneOptions.width + 13 * 4 + 2]]).find(([l]) => l > 0);
    assert.ok(first, 'the object is painted back into frame 0');
    assert.equal(first[1], first[0], 'on both sides of the pillar');
  });

  it('gives two look-alikes born side by side two ids where background, not an object in front, lies between them', async () => {
    // Guards the rule above: nothing in front joins them (passes before it too).
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const look = lookOf(5);
    let result;
    for (let t = 0; t < 12; t++) result = await tracker.update(makeSceneFrame(t, [[4, 4, 4, 4, look], [4, 11, 4, 4, look]]));
    const [left, right] = [sceneLabelAt(result, 5, 5), sceneLabelAt(result, 5, 12)];
    assert.ok(left > 0 && right > 0 && left !== right, `two ids: ${left}, ${right}`);
  });

  it('gives look-alikes in a row from the first frame, a different object of their height between them, ids of their own', async () => {
    // Parked cars, people shoulder to shoulder: A | B | C with C like A, all touching. The rule
    // above took C for A's other side across B (a review); what cuts an object in two reaches
    // beyond it, as a pillar does, and B does not.
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const [look, other] = [lookOf(5), lookOf(7)];
    let result;
    for (let t = 0; t < 20; t++) result = await tracker.update(makeSceneFrame(t, [[4, 2, 4, 4, look], [4, 6, 4, 3, other], [4, 9, 4, 4, look]]));
    const [a, b, c] = [sceneLabelAt(result, 5, 3), sceneLabelAt(result, 5, 7), sceneLabelAt(result, 5, 10)];
    assert.equal(new Set([a, b, c]).size, 3, `three ids: ${a}, ${b}, ${c}`);
  });

  it('gives a look-alike that steps out from behind an object beside a tracked one an id of its own', async () => {
    // A and B (taller, a column apart) tracked from the first frame; C, like A, comes out from
    // behind B on the side away from A. A is in full view: C is no side of it.
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const [look, other] = [lookOf(5), lookOf(7)];
    let result;
    for (let t = 0; t < 40; t++) {
      const rects = [[4, 1, 4, 4, look], [2, 6, 8, 3, other]];
      if (t >= 10) rects.push([4, 9, 4, Math.min(4, 1 + Math.floor((t - 10) / 2)), look]);
      result = await tracker.update(makeSceneFrame(t, rects));
    }
    const [a, b, c] = [sceneLabelAt(result, 5, 2), sceneLabelAt(result, 5, 7), sceneLabelAt(result, 5, 10)];
    assert.equal(new Set([a, b, c]).size, 3, `A ${a}, B ${b}, C ${c}`);
    assert.ok(a > 0 && b > 0 && c > 0, `A ${a}, B ${b}, C ${c}`);
  });

  it('gives two small look-alikes at either end of a long object ids of their own', async () => {
    // People either side of a bus: a gap longer than both of them together is no pillar.
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const [look, other] = [lookOf(5), lookOf(7)];
    let result;
    for (let t = 0; t < 20; t++) result = await tracker.update(makeSceneFrame(t, [[5, 1, 2, 2, look], [4, 3, 4, 16, other], [5, 19, 2, 2, look]]));
    const [left, right] = [sceneLabelAt(result, 5, 1), sceneLabelAt(result, 5, 19)];
    assert.ok(left > 0 && right > 0 && left !== right, `left ${left}, right ${right}`);
  });

  it('does not take a background region one head weakly attends for an object in front: look-alikes either side of it keep two ids', async () => {
    // A band the attention threshold cut out of the background (one head, weakly) between two
    // look-alike squares: the first form of the rule took it for a pillar in front (bench:heldout pan-1).
    const tracker = createMultiTracker({ ...sceneOptions, fps: 25 });
    const look = lookOf(5);
    let result;
    for (let t = 0; t < 20; t++) {
      const frame = makeSceneFrame(t, [[4, 6, 4, 4, look], [4, 12, 4, 4, look]]);
      const n = rows * sceneCols;
      // Head 0 only, at 15x its background: a region (12x), not a strong one (16x).
      for (let i = 0; i < n; i++) frame.clsAttention[i] = Math.max(frame.clsAttention[i], 0.02);
      for (let r = 0; r < rows; r++) for (let c = 10; c < 12; c++) frame.clsAttention[r * sceneCols + c] = 0.3;
      result = await tracker.update(frame);
    }
    const [left, right] = [sceneLabelAt(result, 5, 7), sceneLabelAt(result, 5, 13)];
    assert.ok(left > 0 && right > 0 && left !== right, `left ${left}, right ${right}`);
  });

  it('gives an object that appears whole while another is hidden an id, not only once that one has been hidden for occlusionFrames', async () => {
    // A new region that looks somewhat like a hidden track is held back in case it is that
    // object coming out from behind something; it was held until the hidden track's
    // --occlusion-frames ran out (a first-time user: 2 s of a 3-s clip without the newcomer).
    const tracker = createMultiTracker({ ...sceneOptions, fps: 10, occlusionFrames: 40 });
    const [first, second] = [lookOf(6), lookOf(8)]; // on centred tokens (the background is most of the frame mean) ~0.6 alike
    let result;
    for (let t = 0; t < 26; t++) {
      const rects = t < 8 ? [[2, 2 + t, 3, 3, first]] : [[8, 18, 3, 3, second]];
      result = await tracker.update(makeSceneFrame(t, rects));
    }
    const id = sceneLabelAt(result, 9, 19);
    assert.ok(id > 1, `the second object has an id of its own (got ${id}) 1.8 s after it appeared`);
    assert.equal(result.objects.find((o) => o.id === id)?.occluded, false);
    assert.ok(result.objects.some((o) => o.id === 1 && o.occluded), 'the first is still hidden, not ended');
  });
});
