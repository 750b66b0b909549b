import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropThinPieces_ } from '../../dist/refine/thin-pieces.js';

/** Labels from rows of characters: '.' is 0, a digit its id. */
function parse(rows) {
  return { labels: Uint16Array.from(rows.join(''), (c) => (c === '.' ? 0 : Number(c))), width: rows[0].length, height: rows.length };
}
function show(labels, width) {
  const rows = [];
  for (let y = 0; y < labels.length / width; y++) rows.push([...labels.subarray(y * width, (y + 1) * width)].map((v) => (v ? String(v) : '.')).join(''));
  return rows;
}

describe('dropThinPieces_ (refinement\'s stray specks and 1-px lines)', () => {
  it('gives a 1-px line of one id along another object\'s edge, and a lone speck, to the label around them; keeps objects and their thin arms', () => {
    // A first-time user's trial: a 32-px line of id 1 between object 3 and the background, in our own PNG.
    const { labels, width, height } = parse([
      '............',
      '.333333.....',
      '.333333.....',
      '.3333333333.', // object 3 with a 1-px arm: part of its piece, kept
      '.333333.....',
      '.1111111....', // a line of id 1 under object 3: no pixel inside it
      '..........2.', // a lone speck of id 2
      '..444.......',
      '..444.......', // a 3x3 object 4: its middle pixel is inside it
      '..444.......',
    ]);
    const changed = dropThinPieces_(labels, width, height, [0, 0, width, height]);
    assert.deepEqual(show(labels, width), [
      '............',
      '.333333.....',
      '.333333.....',
      '.3333333333.',
      '.333333.....',
      '............', // the line had more background than object 3 around it
      '............',
      '..444.......',
      '..444.......',
      '..444.......',
    ]);
    assert.equal(changed, 8);
  });

  it('goes on until none is left: two touching thin pieces of two ids end as one label\'s, not as a thin piece', () => {
    const { labels, width, height } = parse([
      '5555555',
      '5122225',
      '5555555',
      '5555555',
    ]);
    dropThinPieces_(labels, width, height, [0, 0, width, height]);
    assert.deepEqual(show(labels, width), ['5555555', '5555555', '5555555', '5555555']);
  });

  it('the frame\'s edge holds a piece in as its own label would: an object cut by the edge is kept', () => {
    const { labels, width, height } = parse([
      '66....',
      '66....',
      '......',
    ]);
    assert.equal(dropThinPieces_(labels, width, height, [0, 0, width, height]), 0);
  });

  it('changes nothing outside the region it is given', () => {
    const { labels, width, height } = parse([
      '7.....',
      '......',
      '....7.',
    ]);
    dropThinPieces_(labels, width, height, [3, 1, 6, 3]);
    assert.deepEqual(show(labels, width), ['7.....', '......', '......']);
  });
});
