import { getMaskIou } from './mask-iou.js';
import { countPatches, getPatchBox } from './multi/painting.js';
import { multiTrackerTuning } from './multi/tuning.js';
import { dot } from './patch-features.js';
import { promptedTuning } from './prompted-tuning.js';
import type { Proposal } from './proposals.js';
import { getAttentionRegions, getWinners } from './reanchor.js';

/** Prompted mode with `--discover`: objects nobody annotated get ids of their own. */
export interface DiscoveryOptions {
  rows: number;
  cols: number;
  heads: number;
  dim: number;
  /** Consecutive frames a new region must be seen before it becomes an object. */
  birthFrames: number;
  /** Most objects, annotated and discovered together. */
  maxObjects: number;
  /** A region at least this like a known object is a piece of it, not a new one. */
  knownCosine: number;
  /** The frame's regions when the caller already has them (prompted mode passes the unsupervised tracker's proposals). */
  regions?: Proposal[];
  /** Share of attention mass kept when the regions are computed here (`--threshold`). */
  threshold?: number;
  /** Whether a region behaves like an object in this frame (none: every free region may become one). */
  isObjectLike?: (proposal: Proposal) => boolean;
  /** The frame's index in the video (a candidate remembers where it was seen). */
  index: number;
}

/** A region seen in `seen` consecutive frames, the last at `index`; `history` its patch masks in the frames before. */
interface DiscoveryCandidate {
  proposal: Proposal;
  seen: number;
  index: number;
  history: { index: number; mask: Uint8Array }[];
}

export interface DiscoveryState {
  candidates: DiscoveryCandidate[];
  /** Every id in use (prompted, carried, discovered): a new object takes the next free one (getNewIds). */
  taken: Set<number>;
}

/** The largest object id: labels are 16-bit (Uint16Array, DAVIS PNGs of 16 bits). */
export const maxObjectId = 0xffff;

/**
 * The ids `count` new objects take, in order: those above every id taken, then, once none is
 * left below 65536, the smallest free ones. A prompt may use 65535; ids counted on from there
 * were 65536 …, which 16-bit labels wrapped to 0 (background) and on, over prompted objects
 * (a second trial). Discovery going backwards and forwards and the scratch that holds the
 * backward labels all take ids from here, so they agree.
 */
export function getNewIds(taken: Iterable<number>, count: number): number[] {
  const used = new Set(taken);
  const largest = Math.max(0, ...used);
  const ids: number[] = [];
  for (let id = largest + 1; id <= maxObjectId && ids.length < count; id++) ids.push(id);
  for (let id = 1; id < largest && ids.length < count; id++) if (!used.has(id)) ids.push(id);
  return ids;
}

/** A new object: its id, its unit mean feature, and its patch masks in the frames it was seen in before it became one. */
export interface Discovered {
  id: number;
  prototype: Float32Array;
  history: { index: number; mask: Uint8Array }[];
}

/**
 * Whether a region is a known object, not a new one: it looks like it (cosine ≥ `knownCosine`)
 * and the object is out of view (under `lostPatches` labelled patches: re-anchoring brings it
 * back, or a prompt erased it), or the region lies within the object's own size of its label
 * (patches between their boxes, either way) and looks like it at least `pieceLikeness` as much
 * as the object's own patches there do together (getOwnLikeness): a piece of it behind a pole or pillar, a
 * part the label left out, its shadow. A look-alike further from an object in view is another
 * object: a red disc, 0.65 like a yellow triangle tracked 190 px (four triangle widths) away,
 * was never discovered (trial 18; unsupervised mode tracked it). So is a region near it that
 * looks like it much less than its own patches do: a yellow star 0.53–0.58 like a red box 4–8
 * patches away (its own patches together 0.98–1.00), unmarked on the prompt frame, was taken for a
 * piece of the box until the box had moved off (a first-time user, frame 35 of 60;
 * unsupervised mode found it on frame 0). Touching the label, the first form, made pieces of
 * an object behind a thin pole new objects (a review).
 * @param labelled the object's winning patches
 * @param ownLikeness getOwnLikeness of the object on this frame (computed once, when asked)
 */
function isKnownObject(region: Proposal, look: Float32Array, labelled: Uint8Array, ownLikeness: () => number, options: DiscoveryOptions): boolean {
  const likeness = dot(look, region.prototype);
  if (likeness < options.knownCosine) return false;
  const { rows, cols } = options;
  const own = countPatches(labelled) >= promptedTuning.lostPatches ? getPatchBox(labelled, rows, cols) : undefined;
  const other = getPatchBox(region.mask, rows, cols);
  if (!own || !other) return true;
  const size = Math.max(own[2] - own[0], own[3] - own[1]) + 1;
  const gap = Math.max(other[0] - own[2], own[0] - other[2], other[1] - own[3], own[1] - other[3]) - 1;
  return gap <= size && likeness >= promptedTuning.pieceLikeness * ownLikeness();
}

/**
 * How like its look an object's labelled patches are together: the cosine of their unit mean
 * with the look. A mean, as a region's prototype is, so that the two compare like with like: the
 * mean of the patches' own cosines shrinks with their noise (a review's simulation: with
 * patch-to-mean cosines of 0.55–0.7, as real DINO features may have, a neighbour 0.53 like the
 * object passed for a piece again).
 */
function getOwnLikeness(look: Float32Array, labelled: Uint8Array, tokens: Float32Array, dim: number): number {
  const mean = new Float32Array(dim);
  for (let i = 0; i < labelled.length; i++) {
    if (!labelled[i]) continue;
    for (let d = 0; d < dim; d++) mean[d] += tokens[i * dim + d];
  }
  const norm = Math.sqrt(dot(mean, mean));
  return norm > 0 ? dot(look, mean) / norm : 0;
}

/**
 * Attention regions that no label covers (less than a fifth of their patches belong to an
 * object), that are not a known object (isKnownObject: a lost one is re-anchored instead) and
 * that pass `isObjectLike`, seen in `birthFrames` consecutive frames, become new objects: a new id, a
 * one-hot label on the region (later frames propagate it like the annotated ones).
 * @param soft id → `[rows*cols]` propagated soft labels; new ids are added in place
 * @returns each new object, with its masks in the frames before (to paint it into them too)
 */
export function discoverObjects_(soft: Map<number, Float32Array>, attention: Float32Array, tokens: Float32Array, prototypes: Map<number, Float32Array>, state: DiscoveryState, options: DiscoveryOptions): Discovered[] {
  const { rows, cols } = options;
  const n = rows * cols;
  const winner = getWinners(soft, n);
  const proposals = options.regions ?? getAttentionRegions(attention, tokens, options);
  const labelled = new Map([...prototypes.keys()].map((id) => [id, Uint8Array.from(winner, (w) => (w === id ? 1 : 0))]));
  const ownLikeness = new Map<number, number>();
  const getOwn = (id: number) => (): number => {
    if (!ownLikeness.has(id)) ownLikeness.set(id, getOwnLikeness(prototypes.get(id) as Float32Array, labelled.get(id) as Uint8Array, tokens, options.dim));
    return ownLikeness.get(id) as number;
  };
  const free = proposals.filter((p) => {
    let covered = 0;
    for (let i = 0; i < n; i++) if (p.mask[i] && winner[i] > 0) covered++;
    if (covered >= p.area * promptedTuning.coveredShare) return false;
    if ([...prototypes].some(([id, known]) => isKnownObject(p, known, labelled.get(id) as Uint8Array, getOwn(id), options))) return false;
    return options.isObjectLike?.(p) ?? true;
  });
  const born: Discovered[] = [];
  const next: DiscoveryCandidate[] = [];
  for (const proposal of free) {
    // A candidate goes on only where it keeps its look, as the unsupervised tracker's do
    // (births.ts advanceCandidates): a blob one head attends as it wanders over the background
    // takes the look of whatever it lies on. Without it, tuning scene 108's blob was discovered
    // as two objects on frame 14, which then spread over the wall (bench:prompts --discover).
    const previous = state.candidates.find((c) => getMaskIou(c.proposal.mask, proposal.mask) >= promptedTuning.candidateIou && dot(c.proposal.prototype, proposal.prototype) >= multiTrackerTuning.persistCosine);
    const seen = (previous?.seen ?? 0) + 1;
    const history = previous ? [...previous.history, { index: previous.index, mask: previous.proposal.mask }].slice(1 - options.birthFrames) : [];
    const objects = [...soft.keys()].filter((id) => id !== 0).length;
    if (seen < options.birthFrames || objects >= options.maxObjects) {
      next.push({ proposal, seen, index: options.index, history });
      continue;
    }
    const [id] = getNewIds(state.taken, 1);
    state.taken.add(id);
    for (const grid of soft.values()) for (let i = 0; i < n; i++) if (proposal.mask[i]) grid[i] = 0;
    soft.set(id, Float32Array.from(proposal.mask));
    born.push({ id, prototype: proposal.prototype, history });
  }
  state.candidates = next;
  return born;
}
