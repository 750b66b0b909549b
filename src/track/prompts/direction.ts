import { discoverObjects_, type Discovered, type DiscoveryState } from '../discover.js';
import { dot, getMaskPrototype, getUnitRows } from '../patch-features.js';
import { lazyBackdrop } from '../multi/backdrop.js';
import { judgeObjectLike } from '../multi/objectness.js';
import { countPatches } from '../multi/painting.js';
import { multiTrackerTuning } from '../multi/tuning.js';
import { getComponents, getProposals, type Proposal } from '../proposals.js';
import { propagateMasks, type ContextFrame } from '../propagation.js';
import { correctDrift_, dropStrayParts_, eraseVanished_, getAttentionRegions, getPrototypes, getWinners, reanchorLost_ } from '../reanchor.js';
import type { Similarity } from '../similarity.js';
import type { FrameFeatures } from '../types.js';
import { promptedTuning } from '../prompted-tuning.js';
import { adoptSlivers_, getSliverFootprints, type PendingSliver, type SliverFootprint } from './slivers.js';
import { separateLookAlikes_, type Sighting } from './look-alikes.js';
import { averageHeads } from '../attention-mask.js';
import { resizeLabels } from '../resize-labels.js';

/** How one direction of prompted propagation steps from frame to frame (`--context-frames`, `--window`, …). */
export interface StepOptions {
  /** Previous predicted frames used besides the prompt (DINO: 7). */
  contextFrames: number;
  /** Window half-size in patches (DINO: 12). */
  radius: number;
  topK: number;
  temperature: number;
  /** `reference`: DINO's algorithm exactly; `improved` adds re-anchoring of lost objects and drift correction by attention. */
  propagation: 'reference' | 'improved';
  /** Share of attention mass kept in the attention regions (`--threshold`). */
  threshold: number;
  /** Also give objects nobody annotated ids of their own (after `birthFrames` frames). */
  discover?: { birthFrames: number; maxObjects: number };
  similarity?: Similarity;
}

/**
 * One direction's propagation context (forwards or backwards through the video): the
 * last prompt it passed, as one-hot labels, plus its most recent predictions.
 */
export interface Direction {
  /** Ids carried, 0 (background) first; discovery appends. */
  ids: number[];
  /** The frame index of the last prompt passed; undefined before the first. */
  anchorFrame?: number;
  anchor?: ContextFrame;
  /** The anchoring prompt's centred tokens (discovery compares a new object with its background). */
  anchorCentred?: Float32Array;
  /** The most recent predictions, oldest first, each with its frame index. */
  recent: (ContextFrame & { index: number })[];
  /**
   * Each object's unit mean feature where it was last prompted (re-anchoring and drift
   * correction compare with it); before a prompt marks it, where the first prompt that marks it
   * does (both directions start with every prompted object's look: multi-prompt-tracker.ts).
   */
  prototypes: Map<number, Float32Array>;
  /** Objects a prompt erased while they were in view: never re-anchored, and not discovered anew either. */
  rejected: Map<number, Float32Array>;
  /**
   * Whether re-anchoring may give `id` a region on frame `frame` (every object it has a look
   * for when undefined). The backward pass knows every prompted object's look from its start,
   * but may not bring back an object on the frames after a prompt that erased it (a review: an
   * object erased at a middle prompt and hidden at the last came back between them).
   */
  mayReanchor?: (id: number, frame: number) => boolean;
  discovery: DiscoveryState;
  /** Each object's patches where a prompt last marked it, or where discovery found it (the backward pass starts with each object's where the first prompt that marks it does). */
  markedPatches: Map<number, number>;
  /** The objects discovery found on the last frame stepped to, with their masks on the frames before it. */
  born: Discovered[];
  /** Objects the prompt that last marked them marked as several things (findMarkedInPieces): drift correction only pulls them up, never down. */
  inPieces: Set<number>;
  /** Objects the last prompt marked only by a sliver that covers no patch's centre, waiting to come into view: id → where (slivers.ts). */
  pending: Map<number, PendingSliver>;
  /** Each look-alike's last sightings apart from its twins (look-alikes.ts), oldest first. */
  lookAlikePaths: Map<number, Sighting[]>;
}

/** A direction that carries `ids` and has passed no prompt yet. */
export function createDirection(ids: number[]): Direction {
  const sorted = [...new Set([0, ...ids])].sort((a, b) => a - b);
  return { ids: sorted, recent: [], prototypes: new Map(), rejected: new Map(), discovery: { candidates: [], taken: new Set(sorted) }, born: [], markedPatches: new Map(), pending: new Map(), inPieces: new Set(), lookAlikePaths: new Map() };
}

/** A frame's patch tokens in the two forms prompted mode uses, each `[rows*cols, dim]` unit rows. */
export interface FrameTokens {
  /** The tokens themselves: label propagation ranks neighbours on these, as DINO does. */
  unit: Float32Array;
  /**
   * Relative to the frame's mean token: attention regions, prototypes and every cosine
   * threshold compare these, as the unsupervised tracker does, so a threshold means the same
   * whatever a model shares across all patches (on raw tokens of a model whose patches share a
   * large common component, regions grew over the background and a hidden object's prototype
   * matched none of them).
   */
  centred: Float32Array;
}

/** A frame's tokens for propagation and for comparisons. */
export function getFrameTokens(features: FrameFeatures): FrameTokens {
  const { raw, centred } = getUnitRows(features.patchTokens, features.dim);
  return { unit: raw, centred };
}

/**
 * Makes a prompt the direction's ground truth: the context restarts from its one-hot
 * labels (an id it does not mark is not visible there), and the prototypes of the ids it
 * marks are taken from it; earlier predictions are dropped, so what follows the prompt
 * follows the prompt, not the drifted state. An id the prompt leaves out although patches
 * like it lie in its background, or in another object's label (isLeftOut), was erased or
 * merged by the user, not hidden: it is rejected, so re-anchoring does not bring it back on
 * the next frame (a hidden one still can). An id it marks only by a sliver (`slivers`) is
 * marked, not left out: it waits there to come into view (improved propagation).
 * @param labels the prompt at the patch grid `[rows, cols]`
 * @param tokens the prompted frame's tokens
 * @param slivers the ids the prompt's pixels mark but `labels` do not, with their footprints (getSliverFootprints)
 */
export function anchorAtPrompt_(direction: Direction, frame: number, labels: Uint16Array, tokens: FrameTokens, dim: number, slivers = new Map<number, SliverFootprint>()): void {
  // Which objects were in view going into the prompt, before its labels replace the predictions.
  const inView = getInView(direction);
  for (const id of [...new Set(labels), ...slivers.keys()]) if (!direction.ids.includes(id)) direction.ids.push(id);
  direction.pending = new Map([...slivers].map(([id, footprint]) => [id, { ...footprint, waited: 0 }]));
  direction.anchorFrame = frame;
  direction.anchor = { tokens: tokens.unit, masks: new Map(direction.ids.map((id) => [id, Float32Array.from(labels, (v) => (v === id ? 1 : 0))])) };
  direction.anchorCentred = tokens.centred;
  direction.recent = [];
  const marked = getPrototypes(labels, tokens.centred, dim, direction.ids);
  for (const [id, prototype] of direction.prototypes) {
    if (marked.has(id) || slivers.has(id) || !isLeftOut(prototype, labels, tokens.centred, dim, marked, inView.has(id))) continue;
    direction.prototypes.delete(id);
    direction.rejected.set(id, prototype);
  }
  const patches = new Map<number, number>();
  for (const id of labels) patches.set(id, (patches.get(id) ?? 0) + 1);
  for (const [id, prototype] of marked) {
    // A prompt that shows an object by fewer than lostPatches patches (a sliver at a wall's edge,
    // its patches part wall) keeps the look of a fuller view while the two are alike (knownCosine):
    // from such a look a red disc's id went to a yellow triangle (trial 18); a disc that came out
    // from behind a pillar another colour takes the new look (a review: kept, it was never found again).
    const before = direction.prototypes.get(id);
    const partial = (patches.get(id) ?? 0) < promptedTuning.lostPatches && before !== undefined && dot(before, prototype) >= promptedTuning.knownCosine;
    if (!partial) direction.prototypes.set(id, prototype);
    direction.rejected.delete(id);
    direction.markedPatches.set(id, patches.get(id) ?? 0);
  }
}

/**
 * anchorAtPrompt_ for a prompt given at the frame's pixels `[height, width]`: its labels at the
 * patch grid, and the ids it marks only by a sliver there (getSliverFootprints).
 */
export function anchorAtPixelPrompt_(direction: Direction, features: FrameFeatures, tokens: FrameTokens, pixels: ArrayLike<number>, width: number, height: number): void {
  const { cols, rows } = features;
  const grid = resizeLabels(pixels, width, height, cols, rows);
  const slivers = getSliverFootprints(pixels, width, height, grid, cols, rows, () => averageHeads(features.clsAttention, features.heads));
  anchorAtPrompt_(direction, features.index, grid, tokens, features.dim, slivers);
  // An object this prompt does not mark (hidden here) keeps what the prompt that last marked it said.
  const marked = new Set(grid);
  const inPieces = findMarkedInPieces(grid, () => getObjectRegions(features, tokens.centred), { rows, cols, centred: tokens.centred, dim: features.dim });
  direction.inPieces = new Set([...direction.inPieces].filter((id) => !marked.has(id)).concat([...inPieces]));
}

/**
 * The objects a prompt marks as several things (`labels` at the patch grid): in more than one
 * piece of at least `lostPatches` (4-connected: a thin part at a slant, cut by the grid into
 * patches touching at corners, is no piece of its own), over more than one of the frame's
 * object regions (most of each region's patches theirs), or with two looks (hasTwoLooks) — two
 * squares an annotator painted with one id, apart or touching, or a red and blue object that
 * the attention draws as one region on the prompt and as two later (an annotator's trial).
 * Regions at the default threshold: the prompt is read before the run's options reach here.
 */
function findMarkedInPieces(labels: Uint16Array, getRegions: () => Proposal[], frame: { rows: number; cols: number; centred: Float32Array; dim: number }): Set<number> {
  const inPieces = new Set<number>();
  let regions: Proposal[] | undefined;
  for (const id of new Set(labels)) {
    if (id === 0) continue;
    const mask = new Uint8Array(labels.length);
    for (let i = 0; i < labels.length; i++) if (labels[i] === id) mask[i] = 1;
    if (getComponents(mask, frame.rows, frame.cols).filter((piece) => piece.length >= promptedTuning.lostPatches).length > 1 || hasTwoLooks(mask, frame.centred, frame.dim)) {
      inPieces.add(id);
      continue;
    }
    regions ??= getRegions();
    const covered = regions.filter((region) => 2 * region.mask.reduce((sum, v, i) => sum + (v && mask[i] ? 1 : 0), 0) > region.area);
    if (covered.length > 1) inPieces.add(id);
  }
  return inPieces;
}

/**
 * Whether a marked object's patches (`mask`) fall into two parts that look unlike each other:
 * the patches like (`matchCosine`) the one least like the whole, and the rest, each at least
 * `lostPatches`, whose mean looks are less alike than `matchCosine`. One object of one look
 * has no such part: its least typical patch is still like most of it.
 */
function hasTwoLooks(mask: Uint8Array, centred: Float32Array, dim: number): boolean {
  const { matchCosine, lostPatches } = promptedTuning;
  const whole = getMaskPrototype(centred, dim, mask);
  if (!whole) return false;
  const tokenAt = (i: number): Float32Array => centred.subarray(i * dim, (i + 1) * dim);
  let [least, leastCosine] = [-1, Infinity];
  mask.forEach((v, i) => {
    const cosine = v ? dot(whole, tokenAt(i)) : Infinity;
    if (cosine < leastCosine) [least, leastCosine] = [i, cosine];
  });
  const far = tokenAt(least);
  const part = Uint8Array.from(mask, (v, i) => (v && dot(far, tokenAt(i)) >= matchCosine ? 1 : 0));
  const rest = Uint8Array.from(mask, (v, i) => (v && !part[i] ? 1 : 0));
  const [partLook, restLook] = [getMaskPrototype(centred, dim, part), getMaskPrototype(centred, dim, rest)];
  if (!partLook || !restLook || countPatches(part) < lostPatches || countPatches(rest) < lostPatches) return false;
  return dot(partLook, restLook) < matchCosine;
}

/** The ids the direction's last prediction gave at least `lostPatches` patches (in view going into the next frame). */
function getInView(direction: Direction): Set<number> {
  const last = direction.recent[direction.recent.length - 1]?.masks;
  if (!last) return new Set();
  const counts = new Map<number, number>();
  for (const winner of getWinners(last, last.get(0)?.length ?? 0)) counts.set(winner, (counts.get(winner) ?? 0) + 1);
  return new Set([...counts].filter(([id, count]) => id > 0 && count >= promptedTuning.lostPatches).map(([id]) => id));
}

/**
 * Whether the prompt shows an object it does not mark: at least `lostPatches` of its patches
 * look like `prototype` (cosine ≥ `matchCosine`) but are labelled background (erased), or —
 * for an object in view going into the prompt (`inView`) — another object's and more like
 * this one than like that (its pixels painted with that object's id: the user merged the
 * two). Not for a hidden one: a textured look-alike's own patches can look more like it, and
 * it was taken for merged and never came back (a review).
 * @param marked the prompt's objects' looks
 */
export function isLeftOut(prototype: Float32Array, labels: Uint16Array, tokens: Float32Array, dim: number, marked: Map<number, Float32Array>, inView: boolean): boolean {
  let alike = 0;
  for (let i = 0; i < labels.length; i++) {
    const token = tokens.subarray(i * dim, (i + 1) * dim);
    const cosine = dot(prototype, token);
    if (cosine < promptedTuning.matchCosine) continue;
    const other = labels[i] === 0 || !inView ? undefined : marked.get(labels[i]);
    if (labels[i] === 0 || (other && cosine > dot(other, token))) alike++;
  }
  return alike >= promptedTuning.lostPatches;
}

/**
 * The unsupervised tracker's objectness test for `--discover`: attended by enough heads
 * (or strongly by one), unlike the ring of patches around it, not most of the frame. Without
 * it, when the prompted objects are hidden the attention's mass spreads over the background
 * and large background regions (a wall one head attends weakly) were discovered as objects,
 * and then took over real objects' re-anchoring. Measured as the tracker measures it, on
 * tokens relative to the frame's mean, with the tracker's constants (tuned on its tuning set).
 */
function getObjectnessTest(features: FrameFeatures, centred: Float32Array, regions: Proposal[], soft: Map<number, Float32Array>): (proposal: Proposal) => boolean {
  const { rows, cols, heads, dim } = features;
  const { headLift, ringPatches } = multiTrackerTuning;
  const options = { rows, cols, heads, dim, headLift, ringPatches };
  // The backdrop leaves out the regions and the objects the labels hold (as the tracker leaves out
  // its tracks' claims): a look-alike of a prompted object found its twin in it (a review).
  const getBackdrop = lazyBackdrop(centred, () => [...regions.map((r) => r.mask), Uint8Array.from(getWinners(soft, rows * cols), (id) => (id > 0 ? 1 : 0))], { ...options, ...multiTrackerTuning });
  return (proposal) => judgeObjectLike(proposal, features.clsAttention, centred, options, multiTrackerTuning, undefined, getBackdrop);
}

/**
 * The unsupervised tracker's proposals: the regions re-anchoring, drift correction, look-alike
 * separation and `--discover` look at. Its per-head lifts add objects that fewer heads attend,
 * or less than the others, and cover more of each object. The attention regions alone keep a
 * share of the attention's mass, the most attended objects': a red disc beside a blue square
 * and a yellow triangle was no region on any frame, and never discovered (trial 18;
 * unsupervised mode tracked it); a red square back from behind an occluder among five objects
 * was no region either, so re-anchoring could not find it and it vanished on alternate frames
 * in full view (the same trial); two crossing look-alikes came out of the crossing as fragments
 * and merged regions, never as two bodies, so separation could not part them (scene 301,
 * `test/track/prompted-tracker.test.js`).
 */
function getObjectRegions(features: FrameFeatures, centred: Float32Array, threshold?: number): Proposal[] {
  const { rows, cols, heads, dim } = features;
  const { minPatches, splitCosine, growCosine, foregroundLift } = multiTrackerTuning;
  return getProposals(features.clsAttention, centred, { rows, cols, heads, dim, threshold: threshold ?? promptedTuning.defaultThreshold, minPatches, splitCosine, growCosine, headLift: foregroundLift, singleHeadLift: promptedTuning.regionSingleHeadLift });
}

/**
 * A discovered object was in view, unmarked, on the prompt the direction is anchored at: its
 * patches there are labelled background, and since the prompt stays in the context they
 * outvoted the new label wherever the object looked as it did then (a first-time user saw a
 * discovered square vanish in 15 of 47 frames and come back under a second id). The prompt
 * did not say those patches are background, only that they are no marked object: the
 * patches of the prompt's background that look like the new object (cosine ≥ `matchCosine`)
 * are given to it in the anchor.
 */
function unlabelInAnchor_(direction: Direction, id: number, prototype: Float32Array, dim: number): void {
  const { anchor, anchorCentred } = direction;
  const background = anchor?.masks.get(0);
  if (!anchor || !anchorCentred || !background) return;
  const own = new Float32Array(background.length);
  for (let i = 0; i < background.length; i++) {
    if (background[i] === 1 && dot(prototype, anchorCentred.subarray(i * dim, (i + 1) * dim)) >= promptedTuning.matchCosine) {
      background[i] = 0;
      own[i] = 1;
    }
  }
  anchor.masks.set(id, own);
}

/**
 * A discovered object is given its patches in the predictions of its birth window that are
 * still in the propagation's context (one-hot, as on the frame it was found, and as those
 * frames are written): labelled background there, they outvoted the new label on the next
 * frames (a first-time user: a still green square found at frame 42 shrank to a quarter on
 * frames 45–47 and 52–53, and vanished there once refined).
 */
function labelInRecent_(direction: Direction, id: number, history: { index: number; mask: Uint8Array }[]): void {
  for (const { index, mask } of history) {
    const frame = direction.recent.find((f) => f.index === index);
    if (!frame) continue;
    for (let i = 0; i < mask.length; i++) {
      if (!mask[i]) continue;
      for (const grid of frame.masks.values()) grid[i] = 0;
    }
    frame.masks.set(id, Float32Array.from(mask));
  }
}

/**
 * Each object's looks for telling its parts from a leak (dropStrayParts_): its prototype, and
 * the centred tokens of its patches on the prompt the direction is anchored at (each part of a
 * two-colour object looks like some of them, not like their mean).
 */
function getPromptedLooks(direction: Direction): Map<number, Float32Array[]> {
  const { anchor, anchorCentred, prototypes } = direction;
  const looks = new Map<number, Float32Array[]>();
  for (const [id, prototype] of prototypes) {
    const marked = anchor?.masks.get(id);
    const dim = anchorCentred && marked ? anchorCentred.length / marked.length : 0;
    const patches = marked && anchorCentred ? [...marked.keys()].filter((i) => marked[i] === 1).map((i) => anchorCentred.subarray(i * dim, (i + 1) * dim)) : [];
    looks.set(id, [prototype, ...patches]);
  }
  return looks;
}

/**
 * Whether an object is large enough to be let go when out of view (`letGoPatches`, counted
 * where it was last marked by a prompt or found by discovery; the backward pass knows every
 * prompted object's size from its start). Unknown sizes (an object the forward direction has
 * not passed a prompt of yet) are not let go.
 */
function mayLetGo(direction: Direction, id: number): boolean {
  return (direction.markedPatches.get(id) ?? 0) >= promptedTuning.letGoPatches;
}

/**
 * Whether an object that may be in view on `frame` has no look yet (a prompt marked it only by a
 * sliver, which waits to come into view): it may be a look-alike of others holding none of their
 * bodies, and separateLookAlikes_ would give its body to one of them (a review: four red squares,
 * two of them prompted as slivers, were swapped whole).
 */
function hasObjectOfUnknownLook(direction: Direction, frame: number): boolean {
  return direction.ids.some((id) => id > 0 && !direction.prototypes.has(id) && !direction.rejected.has(id) && (direction.mayReanchor?.(id, frame) ?? true));
}

/** Each patch's winning id on the frame this direction labelled last: its last prediction, or the prompt it starts from. */
function getPreviousWinners(direction: Direction, n: number): Int32Array | undefined {
  const last = direction.recent.at(-1) ?? direction.anchor;
  return last && getWinners(last.masks, n);
}

/**
 * Propagates the direction's labels onto one more frame (DINO's label propagation from
 * the prompt plus the last `contextFrames` predictions), with re-anchoring, drift
 * correction, look-alike separation and discovery as the options ask; the prediction joins
 * the context.
 * @returns id → `[rows*cols]` soft labels
 */
export async function stepDirection_(direction: Direction, features: FrameFeatures, tokens: FrameTokens, options: StepOptions): Promise<Map<number, Float32Array>> {
  const { rows, cols, dim, heads } = features;
  if (!direction.anchor) throw new Error(`internal: propagation reached frame ${features.index} before any prompt`);
  const soft = await propagateMasks(tokens.unit, [direction.anchor, ...direction.recent], { rows, cols, dim, radius: options.radius, topK: options.topK, temperature: options.temperature }, options.similarity);
  // The frame's object regions, computed once: re-anchoring, drift correction, look-alike separation and discovery share them.
  const regions = options.propagation === 'improved' || options.discover ? getObjectRegions(features, tokens.centred, options.threshold) : undefined;
  const { prototypes } = direction;
  if (options.propagation === 'improved') {
    const { lostPatches, matchCosine, pull, driftIou } = promptedTuning;
    const { mayReanchor } = direction;
    const live = mayReanchor ? new Map([...prototypes].filter(([id]) => mayReanchor(id, features.index))) : prototypes;
    dropStrayParts_(soft, tokens.centred, getPromptedLooks(direction), { rows, cols, dim, matchCosine });
    const anchored = reanchorLost_(soft, features.clsAttention, tokens.centred, live, { rows, cols, heads, dim, lostPatches, matchCosine, regions });
    if (direction.pending.size > 0 && direction.anchorCentred) {
      // A sliver is adopted by an attention region, not a proposal: the proposals' 2-patch
      // regions gave a sliver at a wall's edge the look of two wall-and-object patches, and
      // re-anchoring did not find the object as it came out (bench:prompts' 102, prompted
      // after the occlusion: frames 88–95 lost going forwards).
      const scene = { regions: getAttentionRegions(features.clsAttention, tokens.centred, { rows, cols, heads, dim, threshold: options.threshold }), isObjectLike: getObjectnessTest(features, tokens.centred, regions ?? [], soft), attention: averageHeads(features.clsAttention, heads), promptTokens: direction.anchorCentred, dim };
      for (const { id, prototype, patches } of adoptSlivers_(soft, scene, direction.pending, lostPatches)) {
        prototypes.set(id, prototype);
        direction.markedPatches.set(id, patches);
        anchored.push(id);
      }
    }
    eraseVanished_(soft, { tokens: tokens.centred, dim, cols, radius: options.radius, prototypes, matchCosine, lostPatches }, (id) => mayLetGo(direction, id), anchored);
    correctDrift_(soft, features.clsAttention, tokens.centred, prototypes, { rows, cols, heads, dim, lostPatches, matchCosine, pull, driftIou, regions, inPieces: direction.inPieces });
    if (!hasObjectOfUnknownLook(direction, features.index)) separateLookAlikes_(soft, { regions: regions ?? [], prototypes: live, matchCosine, lostPatches, sizes: direction.markedPatches, previous: () => getPreviousWinners(direction, rows * cols), frame: features.index, paths: direction.lookAlikePaths });
  }
  direction.born = [];
  if (options.discover) {
    const known = new Map([...prototypes, ...direction.rejected]);
    const objectLike = getObjectnessTest(features, tokens.centred, regions ?? [], soft);
    direction.born = discoverObjects_(soft, features.clsAttention, tokens.centred, known, direction.discovery, { rows, cols, heads, dim, knownCosine: promptedTuning.knownCosine, regions, isObjectLike: objectLike, index: features.index, ...options.discover });
    for (const { id, prototype, history } of direction.born) {
      direction.ids.push(id);
      prototypes.set(id, prototype);
      direction.markedPatches.set(id, Math.max(0, ...history.map(({ mask }) => countPatches(mask))));
      unlabelInAnchor_(direction, id, prototype, dim);
      labelInRecent_(direction, id, history);
    }
  }
  direction.recent.push({ tokens: tokens.unit, masks: soft, index: features.index });
  if (direction.recent.length > options.contextFrames) direction.recent = direction.recent.slice(-options.contextFrames);
  return soft;
}
