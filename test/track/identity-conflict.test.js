// Two prompts whose directions disagree on ids: the heavier decides, whole (src/track/prompts/identity-conflict.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseSources, disagreeOnIds } from '../../dist/track/prompts/identity-conflict.js';
import { getPromptedSoftMasks } from '../../dist/track/prompts/soft-labels.js';

const n = 8; // patches 0-3: object A, 4-7: object B
/** Soft labels: `ids[k]` on patch k, sure (1) there and 0 elsewhere; background where 0. */
function soft(ids) {
  const map = new Map([0, 1, 2].map((id) => [id, Float32Array.from(ids, (v) => (v === id ? 1 : 0))]));
  return map;
}

describe('two directions that disagree on ids', () => {
  const forward = { soft: soft([1, 1, 1, 1, 2, 2, 2, 2]), weight: 0.5 };
  const backward = { soft: soft([2, 2, 2, 2, 1, 1, 1, 1]), weight: 0.5 };

  it('a swap is a disagreement; the same answer, or one patch drawn otherwise, is not', () => {
    assert.equal(disagreeOnIds(forward, backward, n), true);
    assert.equal(disagreeOnIds(forward, { soft: soft([1, 1, 1, 1, 2, 2, 2, 2]), weight: 0.5 }, n), false);
    assert.equal(disagreeOnIds(forward, { soft: soft([1, 1, 1, 2, 2, 2, 2, 2]), weight: 0.5 }, n), false);
  });

  it('the earlier prompt decides at the midpoint, at full weight: its soft masks are not squeezed towards 0.5', () => {
    const chosen = chooseSources([forward, backward], n);
    assert.equal(chosen.length, 1);
    assert.equal(chosen[0].soft, forward.soft);
    assert.equal(chosen[0].weight, 1);
    const masks = getPromptedSoftMasks(chosen, [0, 1, 2], n);
    assert.deepEqual(Array.from(masks.get(1)), [1, 1, 1, 1, 0, 0, 0, 0]);
    // Past the midpoint the later one does.
    assert.equal(chooseSources([{ ...forward, weight: 0.4 }, { ...backward, weight: 0.6 }], n)[0].soft, backward.soft);
  });

  it('mixes both where they agree', () => {
    const agreeing = [forward, { soft: soft([1, 1, 1, 1, 2, 2, 2, 2]), weight: 0.5 }];
    assert.equal(chooseSources(agreeing, n), agreeing);
  });
});
