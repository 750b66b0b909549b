// A region one head attends that looks like the background elsewhere in the frame is not an
// object, however unlike its own ring (src/track/multi/backdrop.ts, objectness.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { measureBackdrop, measureTwinRatio } from '../../dist/track/multi/backdrop.js';
import { judgeObjectLike } from '../../dist/track/multi/objectness.js';

const [rows, cols, dim, heads] = [12, 16, 4, 2];
const n = rows * cols;
const options = { rows, cols, dim, heads, headLift: 3, ringPatches: 2 };
const rule = { supportHeads: 2, strongLift: 16, contrastCosine: 0.75, singleHeadContrast: 0.5, maxAreaShare: 0.5, singleHeadTwinRatio: 1, twinGap: 3, backdropPool: 512, backdropSamples: 32 };

/** A 2x2 patch mask at (r, c). */
function block(r, c) {
  const mask = new Uint8Array(n);
  for (const [dr, dc] of [[0, 0], [0, 1], [1, 0], [1, 1]]) mask[(r + dr) * cols + c + dc] = 1;
  return mask;
}

const unit = (v) => {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
};

/**
 * Unit tokens: stuff A on the left half, stuff B on the right, each with some texture (a fixed
 * pattern, so the backdrop's twins are close but not exact); `object` patches look like
 * neither; `stuffA` patches are copies of the A patches half a frame to their left.
 */
function makeTokens(object, stuffA) {
  const tokens = new Float32Array(n * dim);
  const texture = (i) => 0.4 * Math.sin(i * 1.7);
  for (let i = 0; i < n; i++) {
    const token = object[i] ? [0, 0, 1, texture(i)] : stuffA[i] ? [1, 0, 0.1, texture(i - cols / 2)] : i % cols < cols / 2 ? [1, 0, 0.1, texture(i)] : [0, 1, 0.1, texture(i)];
    tokens.set(unit(token), i * dim);
  }
  return tokens;
}

/** The unit mean of a mask's tokens. */
function prototypeOf(tokens, mask) {
  const sum = [0, 0, 0, 0];
  mask.forEach((v, i) => v && sum.forEach((_, d) => (sum[d] += tokens[i * dim + d])));
  return Float32Array.from(unit(sum));
}

const proposalOf = (tokens, mask) => ({ mask, area: mask.reduce((a, b) => a + b, 0), prototype: prototypeOf(tokens, mask), centre: [0, 0] });

/** Head 0 attends `attended` 30x its background level (one strong head); head 1 flat. */
function attentionOn(...attended) {
  const attention = new Float32Array(heads * n).fill(1);
  for (const mask of attended) mask.forEach((v, i) => v && (attention[i] = 30));
  return attention;
}

describe('the backdrop: twins of a region in the background elsewhere', () => {
  const object = block(2, 2); // in stuff A
  const stray = block(8, 12); // stuff A's look, inside stuff B
  const tokens = makeTokens(object, stray);
  const covered = new Uint8Array(n);
  for (const mask of [object, stray]) mask.forEach((v, i) => v && (covered[i] = 1));
  const backdrop = measureBackdrop(tokens, covered, { ...options, ...rule });

  it('a region that looks like the background elsewhere finds twins as readily as the backdrop does; an object does not', () => {
    assert.ok(backdrop, 'enough of the frame is free');
    const strayRatio = measureTwinRatio(proposalOf(tokens, stray), tokens, backdrop, { ...options, ...rule });
    assert.ok(strayRatio >= 1, String(strayRatio));
    assert.ok(measureTwinRatio(proposalOf(tokens, object), tokens, backdrop, { ...options, ...rule }) < 0.5);
  });

  it('one strong head draws to it and it is unlike its ring, yet it is not an object; two heads still make it one', () => {
    const attention = attentionOn(object, stray);
    const getBackdrop = () => backdrop;
    const judge = (mask, atten, withBackdrop) => judgeObjectLike(proposalOf(tokens, mask), atten, tokens, options, rule, undefined, withBackdrop ? getBackdrop : undefined);
    assert.equal(judge(stray, attention, false), true, 'the ring alone lets it pass');
    assert.equal(judge(stray, attention, true), false);
    assert.equal(judge(object, attention, true), true);
    // Two heads support it: the backdrop rule is for regions one head's lift alone draws.
    const twoHeads = attentionOn(object, stray);
    stray.forEach((v, i) => v && (twoHeads[n + i] = 30));
    assert.equal(judge(stray, twoHeads, true), true);
    // Off (Infinity), as before the rule.
    assert.equal(judgeObjectLike(proposalOf(tokens, stray), attention, tokens, options, { ...rule, singleHeadTwinRatio: Infinity }, undefined, getBackdrop), true);
  });

  it('no backdrop where too little of the frame is free to compare with', () => {
    const most = new Uint8Array(n).fill(1);
    for (let i = 0; i < rule.backdropSamples - 1; i++) most[i] = 0;
    assert.equal(measureBackdrop(tokens, most, { ...options, ...rule }), undefined);
  });
});
