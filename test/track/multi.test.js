import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignGreedy } from '../../dist/track/multi/assignment.js';
import { advanceCandidates, hasNotGrown, isReadyToBeBorn, isReceding } from '../../dist/track/multi/births.js';
import { addSighting, getFade, getHiddenFrames } from '../../dist/track/multi/fading.js';
import { coastMotion, fitVelocity, getMotionSurprise, isBehind, missMotion, observeMotion, predictCentre, startMotion } from '../../dist/track/multi/motion.js';
import { isObjectLike, judgeObjectLike, measureObjectness } from '../../dist/track/multi/objectness.js';
import { claim } from '../../dist/track/multi/claiming.js';
import { isEmergingSide, isHiddenPart } from '../../dist/track/multi/pieces.js';
import { isThin, touches } from '../../dist/track/multi/sharing.js';
import { multiTrackerTuning } from '../../dist/track/multi/tuning.js';
import { createMultiTracker } from '../../dist/track/index.js';

describe('assignment', () => {
  it('pairs one to one by descending score, leaving out forbidden pairs', () => {
    const scores = { a: { x: 0.9, y: 0.8 }, b: { x: 0.85 }, c: {} };
    const pairs = assignGreedy(['a', 'b', 'c'], ['x', 'y'], (l, r) => scores[l][r]);
    assert.deepEqual(pairs, [['a', 'x', 0.9]]);
    // b wanted x too; y is free but b may not take it; c may take nothing.
    const again = assignGreedy(['a', 'b'], ['x', 'y'], (l, r) => ({ a: { x: 0.9, y: 0.8 }, b: { x: 0.85, y: 0.1 } })[l][r]);
    assert.deepEqual(again, [['a', 'x', 0.9], ['b', 'y', 0.1]]);
  });
});

describe('motion prediction', () => {
  it('predicts the next centre at constant velocity, and further while hidden', () => {
    let motion = startMotion([5, 2], 9);
    motion = observeMotion(motion, [5, 3], 9, 10);
    assert.deepEqual(motion.velocity, [0, 1]);
    assert.deepEqual(predictCentre(motion, 1), [5, 4]);
    motion = missMotion(missMotion(motion));
    assert.deepEqual(predictCentre(motion, 1), [5, 6]);
    // Seen again after two hidden frames: the slope is per frame elapsed (a window of the last two views, at 1 and 4).
    assert.deepEqual(observeMotion(motion, [5, 9], 9, 2).velocity, [0, 2]);
    // Slowing while hidden: 1 + 0.5 + 0.25 frames of travel.
    assert.deepEqual(predictCentre(motion, 0.5), [5, 3 + 1.75]);
  });

  it('a place is behind a moving track beyond its radius, against its motion; nothing is behind a still one', () => {
    // Area 9π: radius 3. Moving right along row 5.
    const moving = observeMotion(startMotion([5, 10], 9 * Math.PI), [5, 11], 9 * Math.PI, 10);
    assert.equal(isBehind(moving, [5, 7.5]), true, '3.5 behind');
    assert.equal(isBehind(moving, [5, 8.5]), false, 'within its radius');
    assert.equal(isBehind(moving, [5, 16]), false, 'ahead');
    assert.equal(isBehind(moving, [1, 11]), false, 'beside');
    assert.equal(isBehind(startMotion([5, 10], 9 * Math.PI), [5, 2]), false);
    // Creeping a twentieth of a patch a frame: under a patch over the 15-frame window, its direction is noise.
    const creeping = observeMotion(startMotion([5, 10], 9 * Math.PI), [5, 10.05], 9 * Math.PI, 10);
    assert.equal(isBehind(creeping, [5, 6]), true, 'without a floor any motion has a behind');
    assert.equal(isBehind(creeping, [5, 6], 1 / 15), false);
    assert.equal(isBehind(moving, [5, 6], 1 / 15), true);
  });

  it('fits the velocity over the full views, so one centre pulled aside does not throw it', () => {
    let motion = startMotion([0, 0], 9);
    for (let t = 1; t <= 6; t++) motion = observeMotion(motion, [0, t === 4 ? 9 : t], 9, 10);
    assert.deepEqual(motion.velocity, [0, 1]);
    assert.deepEqual(fitVelocity([{ at: 0, centre: [0, 0], area: 9, full: true }, { at: 3, centre: [0, 30], area: 9, full: false }, { at: 4, centre: [2, 4], area: 9, full: true }], [0, 0]), [0.5, 1]);
  });

  it('takes the usual size as the median of the last views, by count: a long merge does not empty it', () => {
    let motion = startMotion([0, 0], 10);
    for (let t = 0; t < 4; t++) motion = observeMotion(motion, [0, 0], t === 2 ? 40 : 10, 5);
    assert.equal(motion.area, 10, 'one swollen view is not the usual size');
    for (let t = 0; t < 30; t++) motion = coastMotion(motion, 0.99);
    assert.equal(motion.area, 10, 'coasting in a merge records no view');
    motion = coastMotion(motion, 0.99, 4, 5);
    assert.equal(motion.area, 10, 'one partial view after it is not the usual size either');
  });

  it('measures surprise in track radii and coasts on the prediction, damping the velocity', () => {
    const motion = observeMotion(startMotion([0, 0], Math.PI * 4), [0, 1], Math.PI * 4, 10); // radius 2
    assert.equal(getMotionSurprise(motion, [0, 2], 1), 0);
    assert.equal(getMotionSurprise(motion, [0, 6], 1), 2);
    assert.deepEqual(coastMotion(motion, 1).centre, [0, 2]);
    assert.deepEqual(coastMotion(motion, 0.5).velocity, [0, 0.5]);
  });
});

describe('fading out of sight', () => {
  const sightings = (areas) => areas.map((area, step) => ({ step, area }));

  it('keeps the sightings of the window, this one added', () => {
    const kept = addSighting(sightings([5, 5, 5, 5]), { step: 4, area: 3 }, 3);
    assert.deepEqual(kept.map((s) => s.step), [2, 3, 4]);
  });

  it('fits the fade of a shrinking track: rate, lag until its last part vanishes, span', () => {
    // Least squares over 8,8,6,6,4,4: slope -16/17.5 per frame, 6 - 2.5 * 16/17.5 patches at the last sighting.
    const fade = getFade(sightings([8, 8, 6, 6, 4, 4]), 0.6);
    const rate = 16 / 17.5;
    assert.ok(Math.abs(fade.rate - rate) < 1e-9);
    assert.ok(Math.abs(fade.exitLag - (6 - 2.5 * rate) / rate) < 1e-9);
    assert.equal(fade.span, 5);
    // Never extrapolated further than measured.
    assert.equal(getFade(sightings([30, 20, 18]), 0.6).exitLag, 2);
  });

  it('finds no fade in a track that vanished at full size, noisy or seen too little', () => {
    assert.equal(getFade(sightings([9, 9, 9, 9]), 0.6), undefined);
    assert.equal(getFade(sightings([10, 9, 10, 8, 9]), 0.6), undefined, 'a little smaller is noise, not a partial view');
    assert.equal(getFade(sightings([8, 4]), 0.6), undefined);
    assert.equal(getFade(sightings([4, 6, 8]), 0.6), undefined);
  });

  it('counts as hidden only the frames between the last part vanishing and the first coming back', () => {
    const fade = { rate: 1, exitLag: 3, span: 5 };
    assert.equal(getHiddenFrames(12, undefined, 4), 12);
    assert.equal(getHiddenFrames(12, fade, 4), 5, 'emerging for 4 frames at 1 patch a frame');
    assert.equal(getHiddenFrames(12, fade, 20), 4, 'emergence counted at most over the span');
    assert.equal(getHiddenFrames(12, fade), 4, 'whether it may still come back: the longest emergence');
  });
});

const rows = 6;
const cols = 8;
const n = rows * cols;

function square(r0, c0, size) {
  const mask = new Uint8Array(n);
  for (let r = r0; r < r0 + size; r++) for (let c = c0; c < c0 + size; c++) mask[r * cols + c] = 1;
  return mask;
}

function proposal(mask, prototype) {
  let area = 0;
  let sr = 0;
  let sc = 0;
  mask.forEach((v, i) => { if (v) { area++; sr += Math.floor(i / cols); sc += i % cols; } });
  return { mask, area, prototype: Float32Array.from(prototype), centre: [sr / area, sc / area] };
}

describe('births', () => {
  const rule = { candidateIou: 0.2, mergeCosine: 0.9, persistCosine: 0.75, historyFrames: 2 };

  it('a candidate is ready after the birth window of object-like frames, with its earlier masks', () => {
    let candidates = [];
    for (let t = 0; t < 3; t++) candidates = advanceCandidates(candidates, [proposal(square(1, 1 + t, 2), [1, 0])], t, () => true, rule);
    assert.equal(candidates.length, 1);
    assert.equal(isReadyToBeBorn(candidates[0], 3), true);
    assert.deepEqual(candidates[0].history.map((h) => h.index), [0, 1]);
    assert.deepEqual(candidates[0].history[0].mask, square(1, 1, 2));
  });

  it('a candidate that only shrank over the birth window, to under the share, is receding; one whose size jumps about is not', () => {
    /** A candidate seen at these sizes (columns of a 3-row strip), the last one now. */
    const seenAt = (widths) => {
      let candidates = [];
      widths.forEach((w, t) => {
        const mask = new Uint8Array(n);
        for (let r = 1; r < 4; r++) for (let c = 0; c < w; c++) mask[r * cols + c] = 1;
        candidates = advanceCandidates(candidates, [proposal(mask, [1, 0])], t, () => true, { ...rule, historyFrames: 5 });
      });
      return candidates[0];
    };
    assert.equal(isReceding(seenAt([3, 2, 1]), 3, 0.6), true); // 9, 6, 3 patches: the trailing side of something going behind a pillar
    assert.equal(isReceding(seenAt([3, 3, 2]), 3, 0.6), false); // 9, 9, 6: not under 0.6 of 9
    assert.equal(isReceding(seenAt([1, 3, 1]), 3, 0.6), false); // grew, then shrank: a small region in noisy attention
    assert.equal(isReceding(seenAt([1, 3, 2, 1]), 3, 0.6), true); // 3, 9, 6, 3: only the birth window counts (it grew before it)
    // A sliver left beside a pillar holds its size a while before it goes (probe scene 5720: 5, 5, 4 patches).
    assert.equal(hasNotGrown(seenAt([3, 3, 2]), 3), true); // 9, 9, 6
    assert.equal(hasNotGrown(seenAt([2, 3, 2]), 3), true); // 6, 9, 6: a patch column the grid adds on the way is noise
    assert.equal(hasNotGrown(seenAt([1, 2, 2]), 3), false); // 3, 6, 6: it grew
    assert.equal(hasNotGrown(seenAt([2, 2]), 3), false); // not yet seen for the birth window
  });

  it('takes a candidate for the far side of a track coming out from behind a pillar only while the near side goes in, or is cut by the frame\'s edge', () => {
    /** Columns [first, last] of rows 1-3 (of 8 columns). */
    const strip = (c0, c1) => {
      const mask = new Uint8Array(n);
      for (let r = 1; r < 4; r++) for (let c = c0; c <= c1; c++) mask[r * cols + c] = 1;
      return mask;
    };
    const look = [1, 0];
    /** A candidate seen as these column spans, the last one now (frames 0, 1, 2). */
    const candidateOf = (spans) => {
      let candidates = [];
      spans.forEach(([c0, c1], t) => { candidates = advanceCandidates(candidates, [proposal(strip(c0, c1), look)], t, () => true, { ...rule, historyFrames: 5 }); });
      return candidates[0];
    };
    /** A track seen at these sizes on steps 1-3, its own region (columns) `held` in the frame before. */
    const trackOf = (areas, held) => ({ prototype: Float32Array.from(look), sightings: areas.map((area, k) => ({ step: k + 1, area })), held: strip(...held) });
    const emerging = candidateOf([[5, 5], [5, 6], [5, 6]]); // comes out at column 5 and grows
    const emerges = (track, region, candidate = emerging) => isEmergingSide(track, strip(...region), candidate, 3, rows, cols, multiTrackerTuning);
    // The near side (columns 1-3, then 1-2) goes behind a pillar at columns 3-4 as the far side comes out.
    assert.equal(emerges(trackOf([9, 9, 6], [1, 3]), [1, 2]), true);
    assert.equal(emerges(trackOf([9, 6, 7], [1, 3]), [1, 2]), true, 'the near side goes in, its size wavering by a patch on the way (probe scene 5218)');
    assert.equal(emerges(trackOf([6, 6, 6], [1, 2]), [1, 2]), false, 'a look-alike coming out beside a track that does not shrink');
    assert.equal(emerges(trackOf([6, 5, 6], [1, 2]), [1, 2]), false, 'nor one beside a track whose size only wavers');
    assert.equal(emerges(trackOf([6, 6, 6], [0, 1]), [0, 1]), true, 'the near side cut by the frame\'s edge: the object is still coming in');
    assert.equal(emerges(trackOf([9, 9, 6], [1, 3]), [1, 2], candidateOf([[6, 6], [5, 6], [4, 6]])), false, 'its edge facing the track moves: a look-alike walking in');
    assert.equal(emerges(trackOf([9, 9, 6], [1, 3]), [1, 2], candidateOf([[6, 7], [6, 7], [5, 7]])), false, 'it comes in through the frame\'s edge, not from behind a pillar');
    assert.equal(emerges(trackOf([12, 9, 6], [1, 4]), [1, 2]), false, 'the near side\'s edge moves: a track walking away, not going behind a pillar');
    assert.equal(emerges(trackOf([9, 9, 6], [1, 3]), [1, 2], candidateOf([[5, 6], [5, 6], [5, 6]])), false, 'it did not grow');
  });

  it('starts over when the region is not object-like or its appearance jumps', () => {
    let candidates = [];
    const objectLike = [true, false, true];
    for (let t = 0; t < 3; t++) candidates = advanceCandidates(candidates, [proposal(square(1, 1, 2), [1, 0])], t, () => objectLike[t], rule);
    assert.equal(isReadyToBeBorn(candidates[0], 3), false);
    candidates = [];
    const looks = [[1, 0], [1, 0], [0, 1]];
    for (let t = 0; t < 3; t++) candidates = advanceCandidates(candidates, [proposal(square(1, 1, 2), looks[t])], t, () => true, rule);
    assert.equal(candidates[0].seen, 1);
  });

  it('objectness: several heads or one strongly, unlike the ring around, not too large', () => {
    const heads = 3;
    const dim = 2;
    const region = square(2, 3, 2);
    const tokens = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) tokens.set(region[i] ? [1, 0] : [0, 1], i * dim);
    const attention = new Float32Array(heads * n).fill(1);
    // Head 0 attends the region 4× its mean level, head 1 2×, head 2 not at all.
    for (let i = 0; i < n; i++) if (region[i]) { attention[i] = 4.4; attention[n + i] = 2.1; }
    const options = { rows, cols, heads, dim, headLift: 3, ringPatches: 1 };
    const measured = measureObjectness(proposal(region, [1, 0]), attention, tokens, options);
    assert.equal(measured.support, 1);
    assert.equal(measured.contrast, 0);
    const rule = { supportHeads: 2, strongLift: 12, contrastCosine: 0.6, singleHeadContrast: 0.6, maxAreaShare: 0.25 };
    assert.equal(isObjectLike(measured, rule), false); // one head, weakly: a wall
    assert.equal(isObjectLike(measured, { ...rule, supportHeads: 1 }), true);
    assert.equal(isObjectLike({ ...measured, contrast: 0.9 }, { ...rule, supportHeads: 1 }), false); // looks like its surroundings
    assert.equal(isObjectLike({ ...measured, areaShare: 0.5 }, { ...rule, supportHeads: 1 }), false);
  });

  it('objectness: a region only one head lifts strongly must differ from its ring more than one two heads support', () => {
    const rule = { supportHeads: 2, strongLift: 16, contrastCosine: 0.75, singleHeadContrast: 0.5, maxAreaShare: 0.5 };
    // Background texture one peaky head attends 30x its median, its ring cosine 0.6: not an object.
    const single = { support: 1, maxLift: 30, areaShare: 0.01, contrast: 0.6 };
    assert.equal(isObjectLike(single, rule), false);
    // A small object that head attends, unlike its ring: an object.
    assert.equal(isObjectLike({ ...single, contrast: 0.3 }, rule), true);
    // Two heads support it: the ring limit is the general one.
    assert.equal(isObjectLike({ ...single, support: 2 }, rule), true);
    assert.equal(isObjectLike({ ...single, support: 2, contrast: 0.8 }, rule), false);
  });

  it('lifts a region one head attends against that head\'s background level, whatever else the head attends', () => {
    const heads = 2;
    const dim = 2;
    const small = square(4, 5, 2);
    const large = new Uint8Array(n);
    for (let i = 0; i < 2 * cols; i++) large[i] = 1; // rows 0-1
    const tokens = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) tokens.set(small[i] ? [1, 0] : [0, 1], i * dim);
    const attention = new Float32Array(heads * n).fill(1);
    // Head 0: the large region at 60x the background and the small one at 20x; head 1: the large one.
    for (let i = 0; i < n; i++) {
      if (large[i]) attention[i] = attention[n + i] = 60;
      if (small[i]) attention[i] = 20;
    }
    const measured = measureObjectness(proposal(small, [1, 0]), attention, tokens, { rows, cols, heads, dim, headLift: 3, ringPatches: 1 });
    // Against head 0's mean over the frame (about 22) it would be lifted 0.9x; against its median, 20x.
    assert.equal(measured.maxLift, 20);
  });

  it('judging one region (its ring measured only when the heads pass) agrees with measuring it all', () => {
    const heads = 3;
    const dim = 2;
    const region = square(2, 3, 2);
    const attention = new Float32Array(heads * n).fill(1);
    for (let i = 0; i < n; i++) if (region[i]) { attention[i] = 4.4; attention[n + i] = 2.1; attention[2 * n + i] = 30; }
    const options = { rows, cols, heads, dim, headLift: 3, ringPatches: 1 };
    const unlike = new Float32Array(n * dim);
    const alike = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) {
      unlike.set(region[i] ? [1, 0] : [0, 1], i * dim);
      alike.set(region[i] ? [1, 0] : [0.8, 0.6], i * dim); // the ring looks like the region: cosine 0.8
    }
    const rules = [
      { supportHeads: 3, strongLift: 1000, contrastCosine: 0.6, singleHeadContrast: 0.6, maxAreaShare: 0.25 }, // the heads fail: the ring is not needed
      { supportHeads: 2, strongLift: 1000, contrastCosine: 0.6, singleHeadContrast: 0.6, maxAreaShare: 0.25 }, // two heads pass: the ring decides
      { supportHeads: 2, strongLift: 1000, contrastCosine: 0.9, singleHeadContrast: 0.9, maxAreaShare: 0.25 },
      { supportHeads: 2, strongLift: 1000, contrastCosine: 0.6, singleHeadContrast: 0.6, maxAreaShare: 0.05 }, // too large
    ];
    const verdicts = [];
    for (const tokens of [unlike, alike]) {
      for (const rule of rules) {
        const p = proposal(region, [1, 0]);
        const judged = judgeObjectLike(p, attention, tokens, options, rule);
        assert.equal(judged, isObjectLike(measureObjectness(p, attention, tokens, options), rule));
        verdicts.push(judged);
      }
    }
    assert.deepEqual(verdicts, [false, true, true, false, false, false, true, false]);
  });
});

describe('claiming a region', () => {
  const dim = 4;
  const look = [1, 0, 0, 0];
  /** One track, a 3x3 object seen whole three times (usual size 9), and a frame whose tokens are `object` inside `objectMask`, `other` elsewhere. */
  function setUp(objectMask, other) {
    const tokens = new Float32Array(n * dim);
    for (let i = 0; i < n; i++) tokens.set(objectMask[i] ? look : other(i), i * dim);
    let motion = startMotion([3, 4], 9);
    for (let t = 0; t < 3; t++) motion = observeMotion(motion, [3, 4], 9, 15);
    const track = { id: 1, prototype: Float32Array.from(look), motion, unattended: 0, sightings: [], merged: false };
    const state = { settings: { width: cols * 4, height: rows * 4, decay: 0.99, fadeFrames: 15, motionFrames: 15, tuning: multiTrackerTuning }, tracks: [track], candidates: [], context: [], nextId: 2, framesSeen: 4 };
    const frame = { index: 4, step: 4, rows, cols, tokens, attention: new Float32Array(n), heads: 1, dim, propagated: new Map(), masks: new Map(), scores: new Map(), pieces: new Map(), proposals: [] };
    return { state, frame, track };
  }
  // Background patches of several looks, none like the object's (cosine 0 to it).
  const background = (i) => [[0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]][i % 3];

  const object = square(2, 3, 3);
  const swollen = Uint8Array.from(object);
  for (let r = 0; r < rows; r++) for (let c = 6; c < cols; c++) swollen[r * cols + c] = 1; // 12 background patches beside it

  it('paints a region swollen by background as the patches that look like the track', () => {
    const { state, frame, track } = setUp(object, background);
    claim(state, frame, track, proposal(swollen, look), 0.9);
    assert.deepEqual([...frame.masks.get(1)], [...object]);
  });

  it('paints a swollen region whole once the track\'s usual size has caught up with it (a part unlike the rest that stays in view)', () => {
    const { state, frame, track } = setUp(object, background);
    const painted = [];
    for (let t = 0; t < 8; t++) {
      frame.masks = new Map();
      claim(state, frame, track, proposal(swollen, look), 0.9);
      painted.push(frame.masks.get(1).reduce((a, b) => a + b, 0));
    }
    // Swollen against a usual size of 9 until the region's own size is the median of the views.
    assert.deepEqual(painted, [9, 9, 9, 9, 21, 21, 21, 21]);
  });

  it('keeps a region whole that is swollen only against the usual size of partial views, no larger than the object has been (coming back into view)', () => {
    const { state, frame, track } = setUp(object, background);
    track.peakArea = swollen.reduce((a, b) => a + b, 0);
    claim(state, frame, track, proposal(swollen, look), 0.9);
    assert.deepEqual([...frame.masks.get(1)], [...swollen]);
  });

  it('keeps a swollen region whole when too few of its patches look like the track to say which part is the object', () => {
    const region = square(1, 2, 4); // 16 patches, none of the track's look: swollen against 9
    const { state, frame, track } = setUp(new Uint8Array(n), background);
    claim(state, frame, track, proposal(region, look), 0.9);
    assert.deepEqual([...frame.masks.get(1)], [...region]);
  });
});

describe('pieces of one object (the patch grid, something in front)', () => {
  /** A patch mask of the listed [row, col] cells. */
  const cells = (...list) => {
    const mask = new Uint8Array(n);
    for (const [r, c] of list) mask[r * cols + c] = 1;
    return mask;
  };

  it('calls a region thin when it is under two patches thick along its longer side, and lets only such pieces touch at a corner', () => {
    // An arm's pieces at a slant: a 1x3 run and a 2-patch diagonal step; a 3x3 square is not thin.
    assert.equal(isThin(cells([1, 1], [1, 2], [1, 3]), 3, rows, cols), true);
    assert.equal(isThin(cells([1, 1], [2, 2]), 2, rows, cols), true);
    assert.equal(isThin(square(1, 1, 3), 9, rows, cols), false);
    const corner = cells([3, 3]);
    assert.equal(touches(corner, square(0, 0, 3), rows, cols), false, 'diagonal to the square\'s corner: no edge contact');
    assert.equal(touches(corner, square(0, 0, 3), rows, cols, true), true, 'a corner counts when asked');
    assert.equal(touches(cells([1, 3]), square(0, 0, 3), rows, cols), true, 'an edge always counts');
  });

  it('takes a region for a track\'s hidden part only inside its footprint where its own region is too, with something over it', () => {
    // The track's largest view: the 4x4 block at rows 1-4, cols 1-4; now its top half is in view,
    // something in front covers its bottom right, and its bottom left shows as a region apart.
    const look = [1, 0];
    const footprint = { mask: square(1, 1, 4), area: 16, centre: [2.5, 2.5], step: 1 };
    const trackAt = (centre) => ({ prototype: Float32Array.from(look), footprint, motion: { centre } });
    const top = cells([1, 1], [1, 2], [1, 3], [1, 4], [2, 1], [2, 2], [2, 3], [2, 4]);
    const part = proposal(cells([3, 1], [4, 1], [3, 2], [4, 2]), look);
    const inFront = cells([3, 3], [3, 4], [4, 3], [4, 4], [3, 5], [4, 5]);
    const hidden = (track, region, piece = part, others = [inFront]) => isHiddenPart(track, region, piece, others, rows, cols, multiTrackerTuning);
    assert.equal(hidden(trackAt([1.5, 2.5]), top), true);
    assert.equal(hidden(trackAt([1.5, 2.5]), top, part, []), false, 'nothing over the footprint: a look-alike walking in behind');
    assert.equal(hidden(trackAt([1.5, 2.5]), top, proposal(part.mask, [0, 1])), false, 'unlike the track');
    // The track walked on (its region and centre 3 columns right, beyond the footprint's old place):
    // a look-alike now stepping out where it stood is not its hidden part (a review's case).
    const walkedOn = cells([1, 5], [1, 6], [1, 7], [2, 5], [2, 6], [2, 7]);
    assert.equal(hidden(trackAt([2.5, 2.5]), walkedOn), false, 'its own region is not in the footprint where the part is');
  });
});
