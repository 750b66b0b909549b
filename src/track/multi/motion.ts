/** Where a track is and where it is going, in patch coordinates: a constant-velocity model of its centre and size. */
export interface Motion {
  /** `[row, col]` of the centre when last seen. */
  centre: [number, number];
  /** `[row, col]` per frame. */
  velocity: [number, number];
  /** Patches: the track's usual size, an exponential average over its full sightings. */
  area: number;
  /** Frames since last seen (0 = seen this frame). */
  missing: number;
}

/** A new track's motion: at rest where it was seen. */
export function startMotion(centre: [number, number], area: number): Motion {
  return { centre: [centre[0], centre[1]], velocity: [0, 0], area, missing: 0 };
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

/** Records a full sighting: velocity and size follow the observation at `rate` (the velocity per frame elapsed). */
export function observeMotion(motion: Motion, centre: [number, number], area: number, rate: number): Motion {
  const frames = motion.missing + 1;
  const step: [number, number] = [(centre[0] - motion.centre[0]) / frames, (centre[1] - motion.centre[1]) / frames];
  return {
    centre: [centre[0], centre[1]],
    velocity: [(1 - rate) * motion.velocity[0] + rate * step[0], (1 - rate) * motion.velocity[1] + rate * step[1]],
    area: (1 - rate) * motion.area + rate * area,
    missing: 0,
  };
}

/** A sighting whose centre says little (half hidden, or merged with another object): the track moves on as predicted. */
export function coastMotion(motion: Motion, decay: number): Motion {
  return { ...motion, centre: predictCentre(motion, decay), missing: 0 };
}

/** A frame without a sighting (the prediction slows the track down, see `predictCentre`). */
export function missMotion(motion: Motion): Motion {
  return { ...motion, missing: motion.missing + 1 };
}
