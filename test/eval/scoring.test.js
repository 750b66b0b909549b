import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignOptimally, createSequenceScorer, getBoundary, getBoundaryF, getJaccard } from '../../dist/eval/index.js';
import { mulberry32 } from '../bench/random.js';

const width = 100;
const height = 80;
function square(x0, y0, size, id = 1) {
  const labels = new Uint16Array(width * height);
  for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) labels[y * width + x] = id;
  return labels;
}

describe('DAVIS J and F', () => {
  it('identical masks score 1', () => {
    assert.equal(getJaccard(square(10, 10, 30), square(10, 10, 30)), 1);
    assert.equal(getBoundaryF(square(10, 10, 30), square(10, 10, 30), width, height), 1);
  });
  it('disjoint masks score 0', () => {
    assert.equal(getJaccard(square(0, 0, 20), square(60, 50, 20)), 0);
    assert.equal(getBoundaryF(square(0, 0, 20), square(60, 50, 20), width, height), 0);
  });
  it('a one-pixel shift keeps F at 1 (within tolerance) but lowers J', () => {
    const j = getJaccard(square(11, 10, 30), square(10, 10, 30));
    assert.ok(j < 1 && j > 0.9, `J ${j}`);
    assert.equal(getBoundaryF(square(11, 10, 30), square(10, 10, 30), width, height), 1);
  });
  it('two empty masks score 1; one empty scores 0', () => {
    assert.equal(getJaccard(new Uint8Array(10), new Uint8Array(10)), 1);
    assert.equal(getBoundaryF(new Uint8Array(width * height), square(10, 10, 10), width, height), 0);
  });
});

describe('sequence scoring', () => {
  it('counts an id switch and lowers IDF1 when the predicted id changes', () => {
    const scorer = createSequenceScorer(width, height);
    for (let t = 0; t < 4; t++) scorer.add(square(10, 10, 30, t < 2 ? 5 : 6), square(10, 10, 30, 1));
    const score = scorer.finish();
    assert.equal(score.idSwitches, 1);
    assert.equal(score.idf1, 0.5);
    assert.equal(score.perObject[0].predictedId, 5);
    assert.equal(score.j, 0.5);
  });
  it('scores a hidden object that the prediction also hides as correct', () => {
    const scorer = createSequenceScorer(width, height);
    scorer.add(square(10, 10, 30, 3), square(10, 10, 30, 1));
    scorer.add(new Uint16Array(width * height), new Uint16Array(width * height));
    scorer.add(square(10, 10, 30, 3), square(10, 10, 30, 1));
    const score = scorer.finish();
    assert.equal(score.j, 1);
    assert.equal(score.f, 1);
    assert.equal(score.idSwitches, 0);
    assert.equal(score.idf1, 1);
  });
});

describe('DAVIS void label (255 in the ground truth)', () => {
  it('is no object and is left out of J and F, in the prediction as in the truth', () => {
    // Truth: object 1, a 30-px square, in a 4-px void band; the prediction covers the band too.
    const truth = square(6, 6, 38, 255);
    const inner = square(10, 10, 30, 1);
    for (let i = 0; i < truth.length; i++) if (inner[i]) truth[i] = 1;
    const scorer = createSequenceScorer(width, height);
    scorer.add(square(6, 6, 38, 3), truth);
    const score = scorer.finish();
    assert.deepEqual(score.perObject.map((o) => o.truthId), [1]);
    assert.equal(score.perObject[0].predictedId, 3);
    assert.equal(score.j, 1);
    assert.equal(score.f, 1);
  });
});

describe('the optimal pairing (davis2017-evaluation unsupervised protocol)', () => {
  /** The best total over every one-to-one assignment, by trying them all. */
  function bestByTrying(values, row = 0, used = new Set()) {
    if (row === values.length) return 0;
    let best = -Infinity;
    values[row].forEach((value, column) => {
      if (!used.has(column)) best = Math.max(best, value + bestByTrying(values, row + 1, new Set([...used, column])));
    });
    return best;
  }
  it('finds the largest total of random matrices, square and wide', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const rows = 1 + Math.floor(random() * 5);
      const columns = rows + Math.floor(random() * 3);
      const values = Array.from({ length: rows }, () => Array.from({ length: columns }, () => Math.round(random() * 10) / 10));
      const assigned = assignOptimally(values);
      assert.equal(new Set(assigned).size, rows, 'one to one');
      const total = assigned.reduce((sum, column, row) => sum + values[row][column], 0);
      assert.ok(Math.abs(total - bestByTrying(values)) < 1e-9, JSON.stringify(values));
    }
  });
  it('gives nothing for no rows and refuses fewer columns than rows', () => {
    assert.deepEqual(assignOptimally([]), []);
    assert.throws(() => assignOptimally([[1], [2]]), RangeError);
  });
  it('pairs a track that never covers half its object, where IDF1 pairs none', () => {
    const scorer = createSequenceScorer(width, height, 'unsupervised');
    const idf1 = createSequenceScorer(width, height, 'idf1');
    for (let t = 0; t < 3; t++) {
      // A 20x20 object, a 12x12 track on its corner: J 0.36.
      for (const s of [scorer, idf1]) s.add(square(10, 10, 12, 4), square(10, 10, 20, 1));
    }
    assert.deepEqual([scorer.finish().perObject[0].predictedId, scorer.finish().j.toFixed(2)], [4, '0.36']);
    assert.deepEqual([idf1.finish().perObject[0].predictedId, idf1.finish().j], [undefined, 0]);
  });
});

describe('agreement with davis2017-evaluation (fixtures/check_davis_eval.py found each)', () => {
  it("marks a mask's edge at the image's right and bottom as no boundary, as _seg2bmap does", () => {
    // A 4x4 block in the bottom-right corner of a 10x8 frame: its boundary is the row above it and
    // the column left of it only; the image's edges were a boundary too (outside taken as background).
    const [w, h] = [10, 8];
    const mask = new Uint8Array(w * h);
    for (let y = 4; y < h; y++) for (let x = 6; x < w; x++) mask[y * w + x] = 1;
    const marked = [...getBoundary(mask, w, h)].flatMap((v, i) => (v ? [`${i % w},${Math.floor(i / w)}`] : []));
    assert.deepEqual(marked.sort(), ['5,3', '6,3', '7,3', '8,3', '9,3', '5,4', '5,5', '5,6', '5,7'].sort());
  });
  it('scores F of a track beside its object (J 0) above 0', () => {
    // Two 10-px squares side by side: no overlap, boundaries within the tolerance (2 px here).
    const scorer = createSequenceScorer(width, height, 'unsupervised');
    scorer.add(square(20, 10, 10, 4), square(10, 10, 10, 1));
    const [object] = scorer.finish().perObject;
    assert.equal(object.predictedId, 4);
    assert.equal(object.j, 0);
    assert.ok(object.f > 0.3, `F ${object.f}`);
  });
  it('semi-supervised counts predicted pixels on void against the prediction; unsupervised leaves them out', () => {
    const truth = square(6, 6, 38, 255);
    const inner = square(10, 10, 30, 1);
    for (let i = 0; i < truth.length; i++) if (inner[i]) truth[i] = 1;
    const scores = ['unsupervised', 'semi-supervised'].map((protocol) => {
      const scorer = createSequenceScorer(width, height, protocol);
      for (let t = 0; t < 3; t++) scorer.add(square(6, 6, 38, 1), truth);
      return scorer.finish().j;
    });
    assert.deepEqual(scores.map((j) => j.toFixed(3)), ['1.000', ((30 * 30) / (38 * 38)).toFixed(3)]);
  });
  it('semi-supervised holds IDF1 to the given ids too: swapped ids score IDF1 0, not 1 (a first-time user\'s trial)', () => {
    const frame = (first, second) => {
      const labels = new Uint16Array(width * height);
      for (const [id, x] of [[first, 10], [second, 50]]) for (let y = 10; y < 20; y++) for (let k = x; k < x + 10; k++) labels[y * width + k] = id;
      return labels;
    };
    const scores = ['semi-supervised', 'unsupervised'].map((protocol) => {
      const scorer = createSequenceScorer(width, height, protocol);
      for (let t = 0; t < 4; t++) scorer.add(frame(2, 1), frame(1, 2));
      return scorer.finish();
    });
    assert.deepEqual(scores.map((s) => [s.j, s.idf1]), [[0, 0], [1, 1]]);
  });
  it('pads empty proposals only up to the number of objects: a bad track is paired where no empty one is left', () => {
    // Object 2 is seen on frame 0 only; track 2 appears on frames 1-2 only. Ids 1..2 for 2 objects:
    // no empty proposal, so object 2 takes track 2 (J 0), not an empty mask (J 2/3).
    const scorer = createSequenceScorer(width, height, 'unsupervised');
    const frame = (objects) => {
      const labels = new Uint16Array(width * height);
      for (const [id, x] of objects) for (let y = 10; y < 20; y++) for (let k = x; k < x + 10; k++) labels[y * width + k] = id;
      return labels;
    };
    scorer.add(frame([[1, 10]]), frame([[1, 10], [2, 50]]));
    for (let t = 1; t < 3; t++) scorer.add(frame([[1, 10], [2, 70]]), frame([[1, 10]]));
    const objects = scorer.finish().perObject;
    assert.deepEqual(objects.map((o) => [o.truthId, o.predictedId, o.j]), [[1, 1, 1], [2, 2, 0]]);
  });
  it('scores F 1 for an object covering the whole frame against no prediction, as two empty boundaries', () => {
    // A review: the image's edges are no boundary, so such a mask has none; davis gives F 1 there, we gave 0.
    const scorer = createSequenceScorer(8, 6, 'unsupervised');
    scorer.add(new Uint16Array(48), new Uint16Array(48).fill(1));
    const [object] = scorer.finish().perObject;
    assert.deepEqual([object.predictedId, object.j, object.f], [undefined, 0, 1]);
  });
  it('counts an id found only on void pixels among the proposals (an empty one), as davis reads ids 1..max', () => {
    // A review: id 3 lies only on void, so davis has proposals 1..3 (2 and 3 empty) for two objects and
    // pairs both objects with empty masks; counting only ids left after void, track 1 was forced on one.
    const scorer = createSequenceScorer(width, height, 'unsupervised');
    const truth0 = square(10, 10, 10, 1);
    const b = square(50, 10, 10, 2);
    const band = square(70, 50, 10, 255);
    for (let i = 0; i < truth0.length; i++) truth0[i] ||= b[i] || band[i];
    scorer.add(square(70, 50, 10, 3), truth0);
    scorer.add(square(30, 40, 10, 1), square(70, 50, 10, 255));
    assert.deepEqual(scorer.finish().perObject.map((o) => [o.truthId, o.predictedId, o.j]), [[1, undefined, 0.5], [2, undefined, 0.5]]);
  });
});
