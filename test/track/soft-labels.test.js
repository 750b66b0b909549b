import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discountUnknownBackground_, getPromptedSoftMasks, selectLabels } from '../../dist/track/prompts/soft-labels.js';

// A 1x2 patch grid of 2-pixel patches, written at the model input size (4x2 pixels).
const geometry = { rows: 1, cols: 2, patchSize: 2, width: 4, height: 2 };

describe('selectLabels: mixing two directions', () => {
  it('normalises each direction before mixing, so a faint object outvoted by the other direction stays out', () => {
    // Forward: object 1 faintly on the left patch; backward: background everywhere (the object is gone there).
    const forward = new Map([[0, Float32Array.of(0, 1)], [1, Float32Array.of(0.2, 0)]]);
    const backward = new Map([[0, Float32Array.of(1, 1)], [1, Float32Array.of(0, 0)]]);
    assert.deepEqual(Array.from(selectLabels([{ soft: forward, weight: 1 }], [0, 1], geometry)), [1, 1, 0, 0, 1, 1, 0, 0]);
    assert.deepEqual(Array.from(selectLabels([{ soft: forward, weight: 0.1 }, { soft: backward, weight: 0.9 }], [0, 1], geometry)), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(selectLabels([{ soft: forward, weight: 0.9 }, { soft: backward, weight: 0.1 }], [0, 1], geometry)), [1, 1, 0, 0, 1, 1, 0, 0]);
  });
});

describe('selectLabels: a direction that knows nothing of an object', () => {
  // Four 1-pixel patches. Forward: object 1 sure on patch 2, half on patch 1 (its edge). Backward
  // (weighted 0.7, nearer its prompt): all background, because no prompt it passed marks object 1
  // (hidden there) — a first-time user's square vanished so on the frames before such a prompt.
  const flat = { rows: 1, cols: 4, patchSize: 1, width: 4, height: 1 };
  const forward = () => new Map([[0, Float32Array.of(1, 0.4, 0, 1)], [1, Float32Array.of(0, 0.6, 1, 0)]]);
  const backward = () => new Map([[0, Float32Array.of(1, 1, 1, 1)], [1, Float32Array.of(0, 0, 0, 0)]]);

  it('left out of the object\'s mix, its zero is no vote', () => {
    assert.deepEqual(Array.from(selectLabels([{ soft: forward(), weight: 0.3 }, { soft: backward(), weight: 0.7 }], [0, 1], flat)), [0, 0, 0, 0], 'as a vote, the backward zero hides the object');
    assert.deepEqual(Array.from(selectLabels([{ soft: forward(), weight: 0.3 }, { soft: backward(), weight: 0.7, unknown: new Set([1]) }], [0, 1], flat)), [0, 0, 1, 0]);
  });

  it('its background counts only as much as the others are unsure of the object: the edge is decided as the forward labels decide it', () => {
    const sources = [{ soft: forward(), weight: 0.3 }, { soft: backward(), weight: 0.7, unknown: new Set([1]) }];
    discountUnknownBackground_(sources[1], sources);
    assert.deepEqual(Array.from(selectLabels(sources, [0, 1], flat)), [0, 1, 1, 0]);
    assert.deepEqual(Array.from(selectLabels([{ soft: forward(), weight: 1 }], [0, 1], flat)), [0, 1, 1, 0], 'the forward labels alone');
    // An object it does know is left as it is.
    const known = [{ soft: forward(), weight: 0.3 }, { soft: backward(), weight: 0.7 }];
    discountUnknownBackground_(known[1], known);
    assert.deepEqual(Array.from(known[1].soft.get(0)), [1, 1, 1, 1]);
  });
});

describe('prompted soft masks for pixel refinement', () => {
  it('pass one half exactly where the object wins, mixed as the labels are', () => {
    // Three patches: object 1 wins the first, background the last, object 1 by a hair in the middle.
    const soft = new Map([[0, Float32Array.from([0.1, 0.5, 0.9])], [1, Float32Array.from([0.9, 0.52, 0.1])]]);
    const masks = getPromptedSoftMasks([{ soft, weight: 1 }], [0, 1], 3);
    assert.deepEqual([...masks.keys()], [1], 'background gets no mask');
    const mask = masks.get(1);
    assert.ok(mask[0] > 0.5 && mask[1] > 0.5 && mask[2] < 0.5, `${Array.from(mask)}`);
    // A backward source that disagrees, weighted more, turns the first patch against the object.
    const backward = new Map([[0, Float32Array.from([0.9, 0.5, 0.9])], [1, Float32Array.from([0.1, 0.5, 0.1])]]);
    assert.ok(getPromptedSoftMasks([{ soft, weight: 0.2 }, { soft: backward, weight: 0.8 }], [0, 1], 3).get(1)[0] < 0.5);
  });

  it('measure a winning object against the background, not against a look-alike it beats by little', () => {
    // Two look-alikes side by side, each leading the other by little, both far above the background.
    const soft = new Map([[0, Float32Array.from([0.9, 0, 0, 0.9])], [1, Float32Array.from([0.1, 0.55, 0.45, 0.1])], [2, Float32Array.from([0, 0.45, 0.55, 0])]]);
    const masks = getPromptedSoftMasks([{ soft, weight: 1 }], [0, 1, 2], 4);
    // Each is sure of the patch it wins (a value near one half there, as before, lost it to the colour fit)…
    assert.equal(masks.get(1)[1], 1);
    assert.equal(masks.get(2)[2], 1);
    // …and under one half on the one the other wins.
    assert.ok(masks.get(1)[2] < 0.5 && masks.get(2)[1] < 0.5, `${Array.from(masks.get(1))} ${Array.from(masks.get(2))}`);
  });
});
