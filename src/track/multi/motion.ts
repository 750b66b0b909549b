/** Where a track is and where it is going, in patch coordinates: a constant-velocity model of its centre and size. */
export interface Motion {
  /** `[row, col]` of the centre when last seen (or where it was expected, when it coasted). */
  centre: [number, number];
  /** `[row, col]` per frame. */
  velocity: [number, number];
  /** Patches: the track's usual size, the median of its views over the window. */
  area: number;
  /** Frames since last seen (0 = seen this frame). */
  missing: number;
  /** Frames since the track began (its own clock, for the views below). */
  clock: number;
  /** Its views over the window: full ones fit the velocity, all of them give the usual size. */
  views: View[];
}

/** One frame a track was seen in. */
export interface View {
  at: number;
  centre: [number, number];
  area: number;
  /** A full view: its centre is the object's (not half hidden, not merged with another, not swollen by background). */
  full: boolean;
}

/** A new track's motion: at rest where it was seen. */
export function startMotion(centre: [number, number], area: number): Motion {
  return { centre: [centre[0], centre[1]], velocity: [0, 0], area, missing: 0, clock: 0, views: [{ at: 0, centre: [centre[0], centre[1]], area, full: true }] };
}

/**
 * The centre expected `ahead` frames after the last sighting (1 = this frame for a track
 * seen in the previous one), moving at its velocity, slowed by `decay` per frame hidden.
 */
export function predictCentre(motion: Motion, decay: number): [number, number] {
  const frames = motion.missing + 1;
  // Sum of decay^k for k < frames: the distance a slowing object covers.
  const travel = decay === 1 ? frames : (1 - decay ** frames) / (1 - decay);
  return [motion.centre[0] + motion.velocity[0] * travel, motion.centre[1] + motion.velocity[1] * travel];
}

/** Distance of `centre` from the prediction, in track radii (a size-free measure of surprise). */
export function getMotionSurprise(motion: Motion, centre: [number, number], decay: number): number {
  const [r, c] = predictCentre(motion, decay);
  const radius = Math.max(1, Math.sqrt(motion.area / Math.PI));
  return Math.hypot(r - centre[0], c - centre[1]) / radius;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Velocity of the full views: the median of the slopes between every pair (Theil–Sen), so
 * that one centre pulled off by a region that took in some background or a neighbour does
 * not throw the prediction; the last velocity when fewer than two full views remain.
 */
export function fitVelocity(views: View[], fallback: [number, number]): [number, number] {
  const full = views.filter((v) => v.full);
  if (full.length < 2) return fallback;
  const rows: number[] = [];
  const cols: number[] = [];
  for (let i = 0; i < full.length; i++) {
    for (let j = i + 1; j < full.length; j++) {
      const dt = full[j].at - full[i].at;
      rows.push((full[j].centre[0] - full[i].centre[0]) / dt);
      cols.push((full[j].centre[1] - full[i].centre[1]) / dt);
    }
  }
  return [median(rows), median(cols)];
}

/**
 * The last `count` views, `view` added. By count, not age: after a long merge or occlusion
 * the track's size and velocity are still those of its last views, not of the first one after.
 */
function addView(views: View[], view: View, count: number): View[] {
  return [...views.slice(-(count - 1)), view];
}

/** Records a full sighting: velocity fitted over the last `windowViews` views' full ones, size the median of their areas. */
export function observeMotion(motion: Motion, centre: [number, number], area: number, windowViews: number): Motion {
  const clock = motion.clock + motion.missing + 1;
  const views = addView(motion.views, { at: clock, centre: [centre[0], centre[1]], area, full: true }, windowViews);
  return { centre: [centre[0], centre[1]], velocity: fitVelocity(views, motion.velocity), area: median(views.map((v) => v.area)), missing: 0, clock, views };
}

/**
 * A sighting whose centre says little (half hidden, merged with another object, swollen):
 * the track moves on as predicted, its velocity damped by `decay`. Its `area`, when given,
 * still counts towards the usual size (an object that stays larger or smaller is one that
 * grew or shrank, not a passing partial view).
 */
export function coastMotion(motion: Motion, decay: number, area?: number, windowViews = Infinity): Motion {
  const clock = motion.clock + motion.missing + 1;
  const centre = predictCentre(motion, decay);
  const views = area === undefined ? motion.views : addView(motion.views, { at: clock, centre, area, full: false }, windowViews);
  const velocity: [number, number] = [motion.velocity[0] * decay, motion.velocity[1] * decay];
  return { ...motion, centre, velocity, area: area === undefined ? motion.area : median(views.map((v) => v.area)), missing: 0, clock, views };
}

/**
 * Whether `centre` lies behind a moving track, by more than the track's radius along its
 * direction of motion: where the side an object leaves behind a pillar is. A look-alike
 * appearing out of a still object (one slower than `minSpeed` patches a frame), or ahead of or
 * beside a moving one, is not.
 */
export function isBehind(motion: Motion, centre: [number, number], minSpeed = 0): boolean {
  const [vr, vc] = motion.velocity;
  const speed = Math.hypot(vr, vc);
  if (speed === 0 || speed < minSpeed) return false;
  const along = ((centre[0] - motion.centre[0]) * vr + (centre[1] - motion.centre[1]) * vc) / speed;
  return along < -Math.sqrt(motion.area / Math.PI);
}

/** A frame without a sighting (the prediction slows the track down, see `predictCentre`). */
export function missMotion(motion: Motion): Motion {
  return { ...motion, missing: motion.missing + 1 };
}
