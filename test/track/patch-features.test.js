// Token helpers (src/track/patch-features.ts): the tracker's one-pass unit rows are the
// values the two separate normalisations give, so fusing them changed no mask.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { centreAndNormalizeRows, getUnitRows, normalizeRows } from '../../dist/track/patch-features.js';

describe('getUnitRows', () => {
  it('gives exactly normalizeRows and centreAndNormalizeRows, a zero row included', () => {
    const [n, dim] = [37, 19];
    const tokens = new Float32Array(n * dim);
    let seed = 7;
    for (let i = 0; i < tokens.length; i++) tokens[i] = ((seed = (seed * 16807) % 2147483647) / 2147483647) * 4 - 1.5; // a shared offset, as ViT tokens have
    tokens.fill(0, 5 * dim, 6 * dim); // a zero row stays zero in the raw form
    const { raw, centred } = getUnitRows(tokens, dim);
    assert.deepEqual(raw, normalizeRows(tokens, dim));
    assert.deepEqual(centred, centreAndNormalizeRows(tokens, dim));
    assert.ok(raw.subarray(5 * dim, 6 * dim).every((v) => v === 0));
  });
});
