/**
 * Run lengths of a binary sequence, starting with a run of "outside" (possibly empty):
 * the shape both COCO's and CVAT's RLE share; they differ only in pixel order.
 * @param isInside whether the k-th element of the sequence is part of the object
 */
export function countRuns(length: number, isInside: (k: number) => boolean): number[] {
  const runs: number[] = [];
  let current = false;
  let run = 0;
  for (let k = 0; k < length; k++) {
    const inside = isInside(k);
    if (inside !== current) {
      runs.push(run);
      current = inside;
      run = 0;
    }
    run++;
  }
  runs.push(run);
  return runs;
}
