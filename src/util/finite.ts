/** The first value that is not a finite number (NaN or ±infinity), if any: `x - x` is 0 only for finite x. */
export function findNonFinite(values: Float32Array): number | undefined {
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x - x !== 0) return x;
  }
  return undefined;
}

/** "NaN" or "infinite", for a message about `value`. */
export function describeNonFinite(value: number): string {
  return Number.isNaN(value) ? 'NaN' : 'infinite';
}
