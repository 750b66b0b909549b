import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { separateLookAlikes_ } from '../../dist/track/prompts/look-alikes.js';

// A 6×12 patch grid; looks are unit vectors in 3 dimensions.
const rows = 6;
const cols = 12;
const n = rows * cols;
const green = Float32Array.of(1, 0, 0);
const greenish = Float32Array.of(0.98, 0.2, 0).map((v, _, a) => v / Math.hypot(...a));
const red = Float32Array.of(0, 0, 1);
const options = (regions, prototypes) => ({ regions, prototypes, matchCosine: 0.7, lostPatches: 3, sizes: new Map([...prototypes.keys()].map((id) => [id, 6])), frame: 10, paths: new Map() });

/** A region over the patches of rows r0..r1, cols c0..c1 (inclusive). */
function region(r0, r1, c0, c1) {
  const mask = new Uint8Array(n);
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) mask[r * cols + c] = 1;
  const area = mask.reduce((sum, v) => sum + v, 0);
  return { mask, area, prototype: green, centre: [(r0 + r1) / 2, (c0 + c1) / 2] };
}

/** Soft labels where each listed patch ([row, col, id]) is won by its id (0.8 against 0.2), the rest background. */
function labels(won, ids = [1, 2]) {
  const soft = new Map([0, ...ids].map((id) => [id, new Float32Array(n).fill(id === 0 ? 0.8 : 0.1)]));
  for (const [r, c, id] of won) {
    soft.get(0)[r * cols + c] = 0.2;
    soft.get(id)[r * cols + c] = 0.8;
  }
  return soft;
}

/** Each patch's winning id, as a rows×cols string (one character a patch). */
function picture(soft) {
  const lines = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      let [best, id] = [-1, 0];
      for (const [k, grid] of soft) if (grid[r * cols + c] > best) [best, id] = [grid[r * cols + c], k];
      line += id;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** separateLookAlikes_ gives no object a region and changes no patch's winner. */
function assertUntouched(soft, given) {
  const before = picture(soft);
  assert.deepEqual(separateLookAlikes_(soft, given), []);
  assert.equal(picture(soft), before);
}

/** Every patch of rows r0..r1, cols c0..c1 won by `id`, except those `except` lists. */
function block(r0, r1, c0, c1, id, except = []) {
  const out = [];
  for (let r = r0; r <= r1; r++) for (let c = c0; c <= c1; c++) if (!except.some(([er, ec]) => er === r && ec === c)) out.push([r, c, id]);
  return out;
}

/** Objects 1 and 2 each on one of the two bodies of rows 1–3 (cols 1–3 and 7–9), nothing else. */
const oneBodyEach = [
  '000000000000',
  '011100022200',
  '011100022200',
  '011100022200',
  '000000000000',
  '000000000000',
].join('\n');

/** Each patch's winning id on the frame before, from [row, col, id] triples (0 elsewhere). */
function previousWinners(won) {
  const winner = new Int32Array(n);
  for (const [r, c, id] of won) winner[r * cols + c] = id;
  return winner;
}

describe('look-alikes apart are one object each (prompted mode, improved propagation)', () => {
  it('gives each of two look-alikes the body it holds most of, where propagation scattered both labels over both', () => {
    // Left body (rows 1-3, cols 1-3): mostly object 1, two patches object 2; right body (cols 7-9): mostly 2, one patch 1.
    const soft = labels([...block(1, 3, 1, 3, 1, [[1, 1], [3, 2]]), [1, 1, 2], [3, 2, 2], ...block(1, 3, 7, 9, 2, [[2, 8]]), [2, 8, 1]]);
    const given = separateLookAlikes_(soft, options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])));
    assert.deepEqual(given.sort(), [1, 2]);
    assert.equal(picture(soft), oneBodyEach);
  });

  it("takes a piece under half the smaller object's size for a fragment of one, not a third body", () => {
    const soft = labels([...block(1, 3, 1, 3, 1, [[1, 1], [3, 2]]), [1, 1, 2], [3, 2, 2], ...block(1, 3, 7, 9, 2, [[2, 8]]), [2, 8, 1]]);
    const regions = [region(1, 3, 1, 3), region(1, 3, 7, 9), region(5, 5, 4, 5)];
    assert.deepEqual(separateLookAlikes_(soft, options(regions, new Map([[1, green], [2, greenish]]))).sort(), [1, 2]);
    assert.equal(picture(soft).split('\n')[2], '011100022200');
  });

  it('leaves two look-alikes that touch (one region) as propagation labelled them', () => {
    const won = [...block(1, 3, 1, 3, 1, [[2, 3]]), [2, 3, 2], ...block(1, 3, 4, 5, 2)];
    const soft = labels(won);
    assertUntouched(soft, options([region(1, 3, 1, 5), region(5, 5, 9, 11)], new Map([[1, green], [2, greenish]])));
  });

  it('does not move a look-alike onto another region where it holds one stray patch', () => {
    // Objects 1 and 2 overlap in one region; object 2 also won one patch of a look-alike distractor apart.
    const won = [...block(1, 3, 1, 2, 1), ...block(1, 3, 3, 4, 2), [2, 9, 2]];
    const soft = labels(won);
    assertUntouched(soft, options([region(1, 3, 1, 4), region(1, 3, 8, 10)], new Map([[1, green], [2, greenish]])));
  });

  it('does not give half of an object split in two regions to a twin that holds one stray patch there', () => {
    // Object 1 is split by a pole into two regions (4 and 5 patches); its twin, object 2, won one patch of the first.
    const won = [...block(1, 2, 1, 2, 1, [[2, 2]]), [2, 2, 2], ...block(1, 2, 4, 5, 1), [3, 4, 1]];
    const soft = labels(won);
    assertUntouched(soft, options([region(1, 2, 1, 2), region(1, 3, 4, 5)], new Map([[1, green], [2, greenish]])));
  });

  it('gives each of three look-alikes its own body', () => {
    const soft = labels([
      ...block(0, 1, 0, 2, 1, [[0, 0]]), [0, 0, 3],
      ...block(0, 1, 5, 7, 2, [[1, 6]]), [1, 6, 1],
      ...block(3, 4, 9, 11, 3, [[4, 10]]), [4, 10, 2],
    ], [1, 2, 3]);
    const given = separateLookAlikes_(soft, options([region(0, 1, 0, 2), region(0, 1, 5, 7), region(3, 4, 9, 11)], new Map([[1, green], [2, greenish], [3, green]])));
    assert.deepEqual(given.sort(), [1, 2, 3]);
    assert.equal(picture(soft), [
      '111002220000',
      '111002220000',
      '000000000000',
      '000000000333',
      '000000000333',
      '000000000000',
    ].join('\n'));
  });

  it('does nothing while a look-alike is lost: any of the bodies may be its own', () => {
    // Three look-alikes, three bodies; object 3 holds none of them (hidden a while, its body back unlabelled).
    const won = [...block(1, 3, 1, 3, 1, [[1, 1]]), [1, 1, 2], ...block(1, 3, 5, 6, 2, [[2, 6]]), [2, 6, 1]];
    const soft = labels(won, [1, 2, 3]);
    assertUntouched(soft, options([region(1, 3, 1, 3), region(1, 3, 5, 6), region(1, 3, 9, 10)], new Map([[1, green], [2, greenish], [3, green]])));
  });

  it('does nothing where the frame shows more bodies of that look than look-alikes (a half beyond a pole, a reflection, an unprompted twin)', () => {
    const won = [...block(1, 3, 1, 3, 1, [[1, 1]]), [1, 1, 2], ...block(1, 3, 5, 6, 2, [[2, 6]]), [2, 6, 1]];
    const soft = labels(won);
    assertUntouched(soft, options([region(1, 3, 1, 3), region(1, 3, 5, 6), region(1, 3, 9, 10)], new Map([[1, green], [2, greenish]])));
  });

  it('leaves objects that do not look alike as propagation labelled them', () => {
    const soft = labels([...block(1, 3, 1, 3, 1, [[1, 1]]), [1, 1, 2], ...block(1, 3, 7, 9, 2, [[2, 8]]), [2, 8, 1]]);
    assertUntouched(soft, options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, red]])));
  });
  it('keeps each look-alike on the body it had on the frame before, where this frame merged their labels', () => {
    // Out of a crossing: object 1's label covers the right body and most of the left; object 2's
    // three patches lie on the left one. On the frame before, 1 was on the left and 2 on the right.
    const soft = labels([...block(1, 3, 1, 3, 1, [[1, 1], [2, 2], [3, 3]]), [1, 1, 2], [2, 2, 2], [3, 3, 2], ...block(1, 3, 7, 9, 1)]);
    const previous = previousWinners([...block(1, 3, 1, 3, 1), ...block(1, 3, 6, 8, 2)]);
    const given = separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previous });
    assert.deepEqual(given.sort(), [1, 2]);
    assert.equal(picture(soft), oneBodyEach);
  });

  it('goes by label majority where the frame before had the look-alikes merged', () => {
    // The same frame, but on the frame before object 1 covered both bodies too: 2's patches there decide.
    const soft = labels([...block(1, 3, 1, 3, 1, [[1, 1], [2, 2], [3, 3]]), [1, 1, 2], [2, 2, 2], [3, 3, 2], ...block(1, 3, 7, 9, 1)]);
    const previous = previousWinners([...block(1, 3, 1, 3, 1, [[2, 2]]), [2, 2, 2], ...block(1, 3, 6, 8, 1)]);
    separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previous });
    assert.equal(picture(soft).split('\n')[2], '022200011100');
  });
  it('gives each look-alike the body its path leads to, coming out of a crossing', () => {
    // Object 1 went right and object 2 left along row 2 until they merged (frames 9–11); on frame
    // 12 they are apart again, 1's label mostly on the left body, 2's few patches on the right one.
    const paths = new Map([
      [1, [5, 6, 7, 8].map((frame, k) => ({ frame, centre: [2, 1 + k] }))],
      [2, [5, 6, 7, 8].map((frame, k) => ({ frame, centre: [2, 10 - k] }))],
    ]);
    const soft = labels([...block(1, 3, 1, 3, 1), ...block(1, 3, 7, 9, 1, [[1, 7], [2, 8], [3, 9]]), [1, 7, 2], [2, 8, 2], [3, 9, 2]]);
    const previous = previousWinners(block(1, 3, 2, 8, 1));
    const given = separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previous, frame: 12, paths });
    assert.deepEqual(given.sort(), [1, 2]);
    assert.equal(picture(soft).split('\n')[2], '022200011100');
    // Frame 12 joins each path, at its body's centre.
    assert.deepEqual(paths.get(1).at(-1), { frame: 12, centre: [2, 8], area: 9 });
    assert.deepEqual(paths.get(2).at(-1), { frame: 12, centre: [2, 2], area: 9 });
  });

  it('goes by the whole body\'s motion where the last sightings were of a part going behind an occluder', () => {
    // A first-time user's two squares crossing behind a bar: as each went behind it, the part in
    // view stayed at the bar's edge for more than `pathSpan` frames, so its last sightings said it
    // stood still there, and it came out on the side it went in. Object 1 went right (whole, 9
    // patches, frames 1–4), then stood in part at the bar's left edge (4 patches, frames 5–14);
    // object 2 the mirror image. On frame 20 they are apart again.
    const whole = (start, step) => [1, 2, 3, 4].map((frame, k) => ({ frame, centre: [2, start + step * k], area: 9 }));
    const part = (column) => [5, 6, 7, 8, 9, 10, 11, 12, 13, 14].map((frame) => ({ frame, centre: [2, column], area: 4 }));
    const paths = new Map([[1, [...whole(3, 0.25), ...part(4)]], [2, [...whole(8, -0.25), ...part(7)]]]);
    const soft = labels([...block(1, 3, 1, 3, 1), ...block(1, 3, 7, 9, 1, [[1, 7], [2, 8], [3, 9]]), [1, 7, 2], [2, 8, 2], [3, 9, 2]]);
    const previous = previousWinners(block(1, 3, 2, 8, 1));
    separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previous, frame: 20, paths });
    assert.equal(picture(soft).split('\n')[2], '022200011100');
  });

  it('seen whole again, goes by its last pathSpan sightings, not by whole ones kept from before an occlusion', () => {
    // A review: object 1 stood whole at column 11 long ago (frames 1–6), then came in part from
    // the left and is whole again moving right (frames 34–41); 2 the mirror image. The path keeps
    // the old whole sightings (for a body last seen in part), and they turned the velocity round.
    const sighting = (frame, column, area) => ({ frame, centre: [2, column], area });
    const pathOf = (old, start, step) => [
      ...[1, 2, 3, 4, 5, 6].map((frame) => sighting(frame, old, 9)),
      ...[34, 35, 36, 37, 38, 39].map((frame, k) => sighting(frame, start + step * k, 4)),
      sighting(40, start + step * 6, 9), sighting(41, start + step * 7, 9),
    ];
    const paths = new Map([[1, pathOf(11, 1.5, 0.5)], [2, pathOf(0, 9.5, -0.5)]]);
    const soft = labels([...block(1, 3, 1, 3, 1), ...block(1, 3, 7, 9, 1, [[1, 7], [2, 8], [3, 9]]), [1, 7, 2], [2, 8, 2], [3, 9, 2]]);
    separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previousWinners(block(1, 3, 2, 8, 1)), frame: 52, paths });
    assert.equal(picture(soft).split('\n')[2], '022200011100');
  });

  it('goes by label majority where the paths do not tell the bodies apart', () => {
    // Both stood still between the two bodies before they merged: either way is as near.
    const paths = new Map([1, 2].map((id) => [id, [5, 6, 7, 8].map((frame) => ({ frame, centre: [2, 5] }))]));
    const soft = labels([...block(1, 3, 1, 3, 1), ...block(1, 3, 7, 9, 1, [[1, 7], [2, 8], [3, 9]]), [1, 7, 2], [2, 8, 2], [3, 9, 2]]);
    separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previousWinners(block(1, 3, 2, 8, 1)), frame: 12, paths });
    assert.equal(picture(soft).split('\n')[2], '011100022200');
  });
  it('does not follow paths in a group of more look-alikes than it can try every order of', () => {
    // Seven look-alikes, each alone on its body by label; the paths of 1 and 2 lead to each
    // other's body. Trying every order costs factorial time (ten took 14 s a frame, twelve ran out
    // of memory), so beyond pathGroupLimit (6) the labels stand.
    const slots = [[0, 0], [0, 4], [0, 8], [2, 0], [2, 4], [2, 8], [4, 0]];
    const ids = [1, 2, 3, 4, 5, 6, 7];
    const soft = labels(ids.flatMap((id, k) => block(slots[k][0], slots[k][0], slots[k][1], slots[k][1] + 2, id)), ids);
    const centre = (k) => [slots[k][0], slots[k][1] + 1];
    const paths = new Map(ids.map((id, k) => [id, [8, 9].map((frame) => ({ frame, centre: centre(id === 1 ? 1 : id === 2 ? 0 : k) }))]));
    const regions = slots.map(([r, c]) => region(r, r, c, c + 2));
    const before = picture(soft);
    separateLookAlikes_(soft, { ...options(regions, new Map(ids.map((id) => [id, id % 2 ? green : greenish]))), sizes: new Map(ids.map((id) => [id, 3])), frame: 10, paths });
    assert.equal(picture(soft), before);
  });
  it('follows paths going backwards from a prompt, frames counting down', () => {
    // The backward pass: object 1 was sighted on frames 20 down to 17 moving left (cols 10 → 7),
    // object 2 moving right (cols 1 → 4); on frame 13, after a merge, 1 is on the left body.
    const paths = new Map([
      [1, [20, 19, 18, 17].map((frame, k) => ({ frame, centre: [2, 10 - k] }))],
      [2, [20, 19, 18, 17].map((frame, k) => ({ frame, centre: [2, 1 + k] }))],
    ]);
    const soft = labels([...block(1, 3, 7, 9, 1), ...block(1, 3, 1, 3, 1, [[1, 1], [2, 2], [3, 3]]), [1, 1, 2], [2, 2, 2], [3, 3, 2]]);
    separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previousWinners(block(1, 3, 2, 8, 1)), frame: 13, paths });
    assert.equal(picture(soft).split('\n')[2], '011100022200');
  });

  it('does not follow a path last sighted more than pathHorizon (50) frames before', () => {
    // Object 1 stood on the right and 2 on the left on frames 5–8; on frame 60, 52 frames later,
    // 1's label is mostly on the left body: the stale paths no longer say, label majority decides.
    const paths = new Map([
      [1, [5, 6, 7, 8].map((frame) => ({ frame, centre: [2, 8] }))],
      [2, [5, 6, 7, 8].map((frame) => ({ frame, centre: [2, 2] }))],
    ]);
    const soft = labels([...block(1, 3, 1, 3, 1), ...block(1, 3, 7, 9, 1, [[1, 7], [2, 8], [3, 9]]), [1, 7, 2], [2, 8, 2], [3, 9, 2]]);
    separateLookAlikes_(soft, { ...options([region(1, 3, 1, 3), region(1, 3, 7, 9)], new Map([[1, green], [2, greenish]])), previous: () => previousWinners(block(1, 3, 2, 8, 1)), frame: 60, paths });
    assert.equal(picture(soft).split('\n')[2], '011100022200');
  });
});
