import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { anchorAtPrompt_, createDirection } from '../../dist/track/prompts/direction.js';

// A 4x5 patch grid with 3-dimensional tokens: object 1 looks like axis 0, object 2 like axis 1.
const [rows, cols, dim] = [4, 5, 3];
const n = rows * cols;
const unit = (v) => Float32Array.from(v, (x) => x / Math.hypot(...v));

/** Tokens with `looks` at the given patches and a background along axis 2 elsewhere. */
function tokensWith(looks) {
  const centred = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) centred.set(looks.get(i) ?? unit([0, 0, 1]), i * dim);
  return { unit: centred, centred };
}

/** A direction that knows object 1's full look (axis 0) and object 2's (axis 1). */
function knowing() {
  const direction = createDirection([1, 2]);
  direction.prototypes.set(1, unit([1, 0, 0]));
  direction.prototypes.set(2, unit([0, 1, 0]));
  return direction;
}

describe('a prompt anchoring a direction (prompted mode)', () => {
  it('keeps the look of a fuller view for an object it marks by fewer patches than lostPatches (a sliver at a wall)', () => {
    // Object 1 marked by one patch, mostly wall (its token half another look): a red disc's
    // sliver beside a grey pillar looked like a yellow triangle, which then took its id (trial 18).
    const labels = new Uint16Array(n);
    labels[7] = 1;
    for (const i of [0, 1, 5, 6]) labels[i] = 2;
    const looks = new Map([[7, unit([1, 1, 1])], ...[0, 1, 5, 6].map((i) => [i, unit([0, 1, 0])])]);
    const direction = knowing();
    anchorAtPrompt_(direction, 60, labels, tokensWith(looks), dim);
    assert.deepEqual([...direction.prototypes.get(1)], [...unit([1, 0, 0])], 'object 1 keeps its full look');
    assert.equal(direction.markedPatches.get(1), 1);
  });

  it('takes the look a prompt gives an object it marks by one patch when that look is unlike the one it had (the object changed)', () => {
    // A red disc coming out from behind a pillar green (a review): kept, the red look found nothing.
    const labels = new Uint16Array(n);
    labels[7] = 1;
    const direction = knowing();
    anchorAtPrompt_(direction, 60, labels, tokensWith(new Map([[7, unit([0, 0.2, 1])]])), dim);
    assert.deepEqual([...direction.prototypes.get(1)], [...unit([0, 0.2, 1])]);
  });

  it('takes the look a prompt gives an object it marks by lostPatches patches or more', () => {
    const labels = new Uint16Array(n);
    for (const i of [12, 13, 17]) labels[i] = 1;
    const looks = new Map([12, 13, 17].map((i) => [i, unit([1, 1, 0])]));
    const direction = knowing();
    anchorAtPrompt_(direction, 60, labels, tokensWith(looks), dim);
    const look = direction.prototypes.get(1);
    assert.ok(Math.abs(look[0] - Math.SQRT1_2) < 1e-6 && Math.abs(look[1] - Math.SQRT1_2) < 1e-6, `object 1's look ${[...look]}`);
  });
});

