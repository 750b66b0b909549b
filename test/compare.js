// How tests and benchmarks compare model outputs (float arrays of equal length) and read masks.
import assert from 'node:assert/strict';

/** Largest absolute difference between two arrays. */
export function maxAbsError(actual, expected) {
  assert.equal(actual.length, expected.length, 'output sizes differ');
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  return worst;
}

/** Cosine similarity of two arrays taken as vectors. */
export function cosine(a, b) {
  assert.equal(a.length, b.length, 'output sizes differ');
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    normA += a[i] * a[i];
    normB += b[i] * b[i];
  }
  return dot / Math.sqrt(normA * normB);
}

/**
 * Pieces (4-connected, one id) of a decoded mask PNG with no pixel whose four neighbours all hold
 * its id (the frame's edge counting as the id): `thin` all of them, `detached` those of an id that
 * has a wider piece in the frame (refine/thin-pieces.ts gives those away, and keeps the rest: an
 * object that is only thin pieces).
 */
export function countThinPieces({ data, width, height }) {
  const seen = new Uint8Array(data.length);
  const thinIds = [];
  const shaped = new Set();
  for (let start = 0; start < data.length; start++) {
    if (!data[start] || seen[start]) continue;
    const id = data[start];
    const stack = [start];
    seen[start] = 1;
    let inside = false;
    while (stack.length) {
      const i = stack.pop();
      const x = i % width;
      const y = (i - x) / width;
      const sides = [[x > 0, i - 1], [x < width - 1, i + 1], [y > 0, i - width], [y < height - 1, i + width]];
      if (sides.every(([within, j]) => !within || data[j] === id)) inside = true;
      for (const [within, j] of sides) if (within && data[j] === id && !seen[j]) (seen[j] = 1), stack.push(j);
    }
    if (inside) shaped.add(id);
    else thinIds.push(id);
  }
  return { thin: thinIds.length, detached: thinIds.filter((id) => shaped.has(id)).length };
}
