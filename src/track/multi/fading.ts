// An object sliding behind a wall (or out of the frame) fades: its visible area shrinks
// frame by frame until the tracker loses it, while a sliver too small to be a proposal is
// still in view. The same happens in reverse when it comes back. `--occlusion-frames` is
// about full hiding, so the frames spent as an unseen sliver on either side must not count.

/** One frame a track was seen in, and the patches it covered. */
export interface Sighting {
  /** The tracker's frame count then (frames it saw, not video frames: --stride skips some). */
  step: number;
  area: number;
}

/** How a track faded out of sight, measured over its last sightings. */
export interface Fade {
  /** Patches of visible area lost per frame. */
  rate: number;
  /** Frames after the last sighting until the last visible part vanished. */
  exitLag: number;
  /** Frames the fit covers: no lag is extrapolated further than was measured. */
  span: number;
}

/** The sightings within the last `windowFrames` frames, this one added. */
export function addSighting(sightings: Sighting[], sighting: Sighting, windowFrames: number): Sighting[] {
  return [...sightings.filter((s) => s.step > sighting.step - windowFrames), sighting];
}

/**
 * The fade of a track lost after these sightings: a least-squares line of area over frames
 * that falls below `shrinkShare` of its value at the window's start (a partial view, not
 * noise). Undefined when the track did not fade (it vanished at full size, or was seen too little).
 */
export function getFade(sightings: Sighting[], shrinkShare: number): Fade | undefined {
  if (sightings.length < 3) return undefined;
  const meanT = sightings.reduce((s, x) => s + x.step, 0) / sightings.length;
  const meanA = sightings.reduce((s, x) => s + x.area, 0) / sightings.length;
  let covariance = 0;
  let variance = 0;
  for (const { step, area } of sightings) {
    covariance += (step - meanT) * (area - meanA);
    variance += (step - meanT) ** 2;
  }
  const slope = covariance / variance;
  const first = sightings[0].step;
  const last = sightings[sightings.length - 1].step;
  const fitted = (t: number): number => meanA + slope * (t - meanT);
  if (slope >= 0 || fitted(last) >= shrinkShare * fitted(first)) return undefined;
  const span = last - first;
  return { rate: -slope, span, exitLag: Math.min(span, Math.max(0, fitted(last)) / -slope) };
}

/**
 * Frames a track missing for `missing` frames has been fully hidden: less the frames its
 * last part took to vanish and, for a returning view of `area` patches, the frames it has
 * been emerging at the rate it faded (by symmetry). Without `area`, the longest emergence
 * still counted as not hidden (whether the track may still come back).
 */
export function getHiddenFrames(missing: number, fade: Fade | undefined, area?: number): number {
  if (!fade) return missing;
  const entryLag = area === undefined ? fade.span : Math.min(fade.span, area / fade.rate);
  return missing - fade.exitLag - entryLag;
}
