import type { Proposal } from '../proposals.js';
import { dilatePatches } from './painting.js';

/**
 * The frame's backdrop: a sample of the patches no region covers, and how readily they find a
 * twin among themselves. A region whose patches find twins in the backdrop as readily as the
 * backdrop's own patches do looks like the background elsewhere in the frame (a patch of
 * texture, the stuff under a wandering blob one head attends), however unlike its own ring
 * it is; an object's patches are unlike the background anywhere (objectness.ts).
 */
export interface Backdrop {
  /** Patch indices, at most `backdropPool`. */
  patches: Int32Array;
  /** The median over a sample of them of each one's best cosine to another beyond `twinGap`. */
  level: number;
}

export interface BackdropOptions {
  rows: number;
  cols: number;
  dim: number;
  /** Patches at most this far (in rows and columns) from a patch are its surroundings, not a twin elsewhere. */
  twinGap: number;
  /** Most patches in the backdrop's sample: the cost of a region's twins is its size times this. */
  backdropPool: number;
  /** Backdrop patches whose own twins set the level. */
  backdropSamples: number;
}

/** Most of a region's patches whose twins are looked for: a median of 32 is steady enough. */
const maxRegionSamples = 32;

/** Cosine of two unit tokens `[n, dim]` by index. */
function cosineAt(tokens: Float32Array, dim: number, i: number, j: number): number {
  let s = 0;
  for (let d = 0, a = i * dim, b = j * dim; d < dim; d++) s += tokens[a + d] * tokens[b + d];
  return s;
}

/** The best cosine of patch `i` to a pool patch that is not `isNear` (its surroundings, or the region's); -1 when none is left. */
function bestTwin(tokens: Float32Array, options: BackdropOptions, i: number, pool: Int32Array, isNear: (j: number) => boolean): number {
  let best = -1;
  for (const j of pool) {
    if (isNear(j)) continue;
    const s = cosineAt(tokens, options.dim, i, j);
    if (s > best) best = s;
  }
  return best;
}

const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Whether patches `i` and `j` are within `gap` of each other in rows and columns. */
function within(i: number, j: number, cols: number, gap: number): boolean {
  return Math.abs(Math.floor(i / cols) - Math.floor(j / cols)) <= gap && Math.abs((i % cols) - (j % cols)) <= gap;
}

/**
 * The backdrop of a frame: every patch outside `covered`, sampled evenly down to
 * `backdropPool`; undefined when too little of the frame is left to compare with.
 */
export function measureBackdrop(tokens: Float32Array, covered: Uint8Array, options: BackdropOptions): Backdrop | undefined {
  const free: number[] = [];
  covered.forEach((v, i) => v || free.push(i));
  if (free.length < options.backdropSamples) return undefined;
  const step = free.length / Math.min(free.length, options.backdropPool);
  const patches = Int32Array.from({ length: Math.floor(free.length / step) }, (_, k) => free[Math.floor(k * step)]);
  const every = patches.length / options.backdropSamples;
  const twins: number[] = [];
  for (let k = 0; k < options.backdropSamples; k++) {
    const i = patches[Math.floor(k * every)];
    const twin = bestTwin(tokens, options, i, patches, (j) => within(i, j, options.cols, options.twinGap));
    if (twin > -1) twins.push(twin);
  }
  if (twins.length === 0) return undefined;
  return { patches, level: median(twins) };
}

/**
 * How readily a region's patches find twins in the backdrop beyond `twinGap` of the region,
 * against how readily the backdrop's own patches do (1: as readily; an object's well under).
 * The median over the region's patches, so that its edge patches, part background, do not decide.
 */
export function measureTwinRatio(proposal: Proposal, tokens: Float32Array, backdrop: Backdrop, options: BackdropOptions): number {
  const { rows, cols, twinGap } = options;
  const near = dilatePatches(proposal.mask, rows, cols, twinGap);
  const members: number[] = [];
  proposal.mask.forEach((v, i) => v && members.push(i));
  // An evenly spaced sample of a large region: its cost grew with its size (a review: a 400-patch
  // region at 480 lines cost 26 times a 10-patch one), its median hardly does.
  const step = Math.max(1, members.length / maxRegionSamples);
  const sampled = Array.from({ length: Math.min(members.length, maxRegionSamples) }, (_, k) => members[Math.floor(k * step)]);
  const twins = sampled.map((i) => bestTwin(tokens, options, i, backdrop.patches, (j) => near[j] === 1)).filter((t) => t > -1);
  if (twins.length === 0 || backdrop.level <= 0) return 0;
  return median(twins) / backdrop.level;
}

/**
 * The backdrop of a frame whose regions (patch masks) are `regions`, measured on the first
 * call only: objectness asks for it only once a region one head draws has passed the rest.
 */
export function lazyBackdrop(tokens: Float32Array, regions: () => Iterable<Uint8Array>, options: BackdropOptions): () => Backdrop | undefined {
  let measured: { backdrop: Backdrop | undefined } | undefined;
  return () => {
    if (measured) return measured.backdrop;
    const covered = new Uint8Array(options.rows * options.cols);
    for (const mask of regions()) mask.forEach((v, i) => v && (covered[i] = 1));
    measured = { backdrop: measureBackdrop(tokens, covered, options) };
    return measured.backdrop;
  };
}
