import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeLabels } from '../../dist/track/regions.js';

describe('describeLabels', () => {
  // [4, 6]: id 2 in two pieces on one row and an L below; id 5 in a run that ends the row.
  const labels = Uint16Array.from([
    0, 2, 2, 0, 2, 0,
    0, 2, 0, 0, 5, 5,
    0, 2, 2, 2, 0, 5,
    0, 0, 0, 0, 0, 0,
  ]);
  const scores = new Map([[2, 0.7]]);

  it('gives each id its area and bounding box, ids in order, score from the map (else 1)', () => {
    assert.deepEqual(describeLabels(labels, 6, 4, scores), [
      { id: 2, area: 7, bbox: [1, 0, 4, 3], score: 0.7, occluded: false },
      { id: 5, area: 3, bbox: [4, 1, 2, 2], score: 1, occluded: false },
    ]);
  });

  it('reads only the region given (the caller knows the rest is 0)', () => {
    assert.deepEqual(describeLabels(labels, 6, 4, scores, [1, 1, 4, 3]), [{ id: 2, area: 4, bbox: [1, 1, 3, 2], score: 0.7, occluded: false }]);
  });
});
