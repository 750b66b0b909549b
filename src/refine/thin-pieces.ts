import type { PixelRegion } from '../track/upsample.js';

/**
 * Refinement's vote leaves specks and 1-px lines of an id where its filtered value just
 * passes the others' along another object's edge: on the tuning scenes of bench:pixels, 1.6 to
 * 3.7 pieces a frame with no pixel inside them (test/bench/thin-pieces.js), none in the truth.
 * A first-time user's trial found one 32 px long between another object and the background,
 * which a paint tool shows as a stray stroke and which the prompt check called a blended edge.
 * A piece of an id whose every pixel has a 4-neighbour of another label (no pixel inside it:
 * at most about 2 px wide), where the id has a wider piece in the frame (its shape), is detached
 * from that shape: it goes to the label that surrounds it most. An id that is only thin pieces
 * keeps them: a pole, a rope, a far figure or the sliver of a hidden object is all of the object
 * (a review: a 2-px line, the object's only pixels, was given away and the object reported hidden).
 */

/**
 * The most passes: one gives away the pieces found, and a piece given away can leave another
 * thin (two touching thin pieces of two ids become one of one id), which the next finds. A
 * review's striped band between two objects (1-px stripes of their two ids) shifted a row a pass
 * (63 passes, 0.64 s for 128 rows at 848x480; 50 s for a 1080p frame of stripes): bounded, what
 * is left after this many stays.
 */
const maxPasses = 4;

/** Scratch of the last frame, reused: frame-sized arrays a frame are garbage the collector must keep up with. */
let visited = new Uint8Array(0);
let stack = new Int32Array(0);
let piece = new Int32Array(0);

/** Whether pixel `i` (at column `x`, row `y`) has `id` on all four sides, the frame's edge counting as its own. */
function isInside(labels: Uint16Array, i: number, x: number, y: number, width: number, height: number, id: number): boolean {
  return (x === 0 || labels[i - 1] === id) && (x === width - 1 || labels[i + 1] === id) && (y === 0 || labels[i - width] === id) && (y === height - 1 || labels[i + width] === id);
}

/** The label that most 4-neighbours of a piece's pixels hold, other than the piece's own `id`. */
function getSurroundingLabel(labels: Uint16Array, members: number, width: number, height: number, id: number): number | undefined {
  const counts = new Map<number, number>();
  const count = (j: number): void => {
    if (labels[j] !== id) counts.set(labels[j], (counts.get(labels[j]) ?? 0) + 1);
  };
  for (let k = 0; k < members; k++) {
    const i = piece[k];
    const x = i % width;
    if (x > 0) count(i - 1);
    if (x < width - 1) count(i + 1);
    if (i >= width) count(i - width);
    if (i < (height - 1) * width) count(i + width);
  }
  let best: number | undefined;
  for (const [label, n] of counts) if (best === undefined || n > (counts.get(best) as number)) best = label;
  return best;
}

/**
 * Gives each thin piece of an id inside `region` to the label around it (see above), in place,
 * a pass at a time until one changes nothing, at most maxPasses.
 * Pixels outside `region` are read as neighbours (they are 0 there in refinement's vote) but never changed.
 * @param labels `[height, width]` ids, 0 background
 * @returns how many pixel labels were changed, over all passes
 */
export function dropThinPieces_(labels: Uint16Array, width: number, height: number, region: PixelRegion): number {
  if (visited.length < width * height) {
    visited = new Uint8Array(width * height);
    stack = new Int32Array(width * height);
    piece = new Int32Array(width * height);
  }
  let changed = 0;
  for (let pass = 0; pass < maxPasses; pass++) {
    const now = dropThinPiecesOnce_(labels, width, height, region, findShapedIds(labels, width, height, region));
    if (now === 0) break;
    changed += now;
  }
  return changed;
}

/** The ids with a pixel inside them in `region`: those with a shape, whose thin pieces elsewhere are detached from it. */
function findShapedIds(labels: Uint16Array, width: number, height: number, region: PixelRegion): Set<number> {
  const [left, top, right, bottom] = region;
  const shaped = new Set<number>();
  for (let y = top; y < bottom; y++) {
    for (let i = y * width + left, x = left; x < right; i++, x++) {
      const id = labels[i];
      if (id !== 0 && !shaped.has(id) && isInside(labels, i, x, y, width, height, id)) shaped.add(id);
    }
  }
  return shaped;
}

/** One pass of dropThinPieces_: the thin pieces of ids in `shaped` given away. */
function dropThinPiecesOnce_(labels: Uint16Array, width: number, height: number, region: PixelRegion, shaped: Set<number>): number {
  const [left, top, right, bottom] = region;
  for (let y = top; y < bottom; y++) visited.fill(0, y * width + left, y * width + right);
  let changed = 0;
  for (let y = top; y < bottom; y++) {
    for (let start = y * width + left, end = y * width + right; start < end; start++) {
      const id = labels[start];
      if (id === 0 || visited[start] || !shaped.has(id)) continue;
      let members = 0;
      let thin = true;
      let size = 0;
      stack[size++] = start;
      visited[start] = 1;
      while (size > 0) {
        const i = stack[--size];
        piece[members++] = i;
        const x = i % width;
        const py = (i - x) / width;
        if (thin && isInside(labels, i, x, py, width, height, id)) thin = false;
        // Same-id neighbours inside the region, not yet reached.
        if (x > left && labels[i - 1] === id && !visited[i - 1]) (visited[i - 1] = 1), (stack[size++] = i - 1);
        if (x < right - 1 && labels[i + 1] === id && !visited[i + 1]) (visited[i + 1] = 1), (stack[size++] = i + 1);
        if (py > top && labels[i - width] === id && !visited[i - width]) (visited[i - width] = 1), (stack[size++] = i - width);
        if (py < bottom - 1 && labels[i + width] === id && !visited[i + width]) (visited[i + width] = 1), (stack[size++] = i + width);
      }
      if (!thin) continue;
      const label = getSurroundingLabel(labels, members, width, height, id);
      if (label === undefined) continue;
      for (let k = 0; k < members; k++) labels[piece[k]] = label;
      changed += members;
    }
  }
  return changed;
}
