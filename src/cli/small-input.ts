/**
 * Below this many patches on the grid's short side the tracker can hardly find anything, and
 * a run ending in "0 objects" gave no reason. Why 4: the smallest region the tracker keeps is
 * 2 patches (minPatches in src/track/multi/tuning.ts), and it is told from the background by
 * the patches around it; on a grid 3 patches across a 2-patch object already spans two thirds
 * of it, on a 1x1 grid (a 12x12 video) nothing can be. Not tuned: a bound on geometry.
 */
export const fewPatchesAcross = 4;

/** A notice for a model input only a few patches across, or undefined when it is large enough. */
export function describeSmallInput(grid: { rows: number; cols: number; patchSize: number; width: number; height: number }): string | undefined {
  const { rows, cols, patchSize, width, height } = grid;
  if (Math.min(rows, cols) >= fewPatchesAcross) return undefined;
  return `the model sees only ${rows}x${cols} patches (rows x cols; input ${width}x${height}, patch ${patchSize}): objects need a few patches each and background around them, so few or none will be found; enlarge the frames with --short-side ${fewPatchesAcross * patchSize} or more, or give a larger video`;
}
