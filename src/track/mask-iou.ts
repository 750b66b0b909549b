/**
 * Intersection over union of two patch masks; a value counts as inside at `cut` or above
 * (0/1 masks and soft masks alike). 0 when both are empty.
 */
export function getMaskIou(a: ArrayLike<number>, b: ArrayLike<number>, cut = 0.5): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const inA = a[i] >= cut;
    const inB = b[i] >= cut;
    if (inA && inB) inter++;
    if (inA || inB) union++;
  }
  return union ? inter / union : 0;
}
