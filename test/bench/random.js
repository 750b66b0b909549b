// Seeded randomness for the synthetic scenes: the same seed gives the same scene everywhere.

/** A 32-bit seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal sample (Box–Muller). */
export function gaussian(random) {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

/** A random direction in `dim` dimensions. */
export function unitVector(random, dim) {
  const v = Float32Array.from({ length: dim }, () => gaussian(random));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}
