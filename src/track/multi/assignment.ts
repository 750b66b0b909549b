/**
 * Greedy one-to-one assignment by descending score; a pair scored `undefined` is not
 * allowed. Returns the chosen pairs with their scores, best first.
 */
export function assignGreedy<T, U>(left: T[], right: U[], score: (l: T, r: U) => number | undefined): [T, U, number][] {
  const pairs: [number, number, number][] = [];
  left.forEach((l, i) => right.forEach((r, j) => {
    const s = score(l, r);
    if (s !== undefined) pairs.push([i, j, s]);
  }));
  pairs.sort((a, b) => b[2] - a[2]);
  const usedLeft = new Set<number>();
  const usedRight = new Set<number>();
  const out: [T, U, number][] = [];
  for (const [i, j, s] of pairs) {
    if (usedLeft.has(i) || usedRight.has(j)) continue;
    usedLeft.add(i);
    usedRight.add(j);
    out.push([left[i], right[j], s]);
  }
  return out;
}
