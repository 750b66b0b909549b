import { blendPrototype_, dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import type { BackfillFrame } from '../types.js';
import type { Candidate } from './births.js';
import { addSighting } from './fading.js';
import { coastMotion, observeMotion, startMotion, type Motion } from './motion.js';
import { paintLabels } from './painting.js';
import { measureSpan } from './pieces.js';
import { clampToRegion, findSharer, isExpectedIn, splitByPrediction } from './sharing.js';
import type { FrameState, Track, TrackerState } from './state.js';
import type { MultiTrackerTuning } from './tuning.js';

/** Which of two tracks each patch of a region looks like: 1 the owner, -1 the sharer, 0 neither clearly. */
interface PatchLooks {
  prefers: Int8Array;
  owner: number;
  sharer: number;
}

/**
 * How the region's patches side between owner and sharer, by a margin relative to how far
 * apart the two looks are (a patch is never exactly its prototype); undefined where the looks
 * are too alike to tell apart (`distinctLooks`): then nothing says which is where.
 */
function compareLooks(frame: FrameState, mask: Uint8Array, owner: Track, sharer: Track, tuning: MultiTrackerTuning): PatchLooks | undefined {
  const apart = 1 - dot(owner.prototype, sharer.prototype);
  if (apart <= tuning.distinctLooks) return undefined;
  const margin = tuning.sightMargin * apart;
  const { dim, tokens } = frame;
  const prefers = new Int8Array(mask.length);
  let [ownerCount, sharerCount] = [0, 0];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const token = tokens.subarray(i * dim, (i + 1) * dim);
    const lead = dot(token, owner.prototype) - dot(token, sharer.prototype);
    if (lead > margin) [prefers[i], ownerCount] = [1, ownerCount + 1];
    else if (lead < -margin) [prefers[i], sharerCount] = [-1, sharerCount + 1];
  }
  return { prefers, owner: ownerCount, sharer: sharerCount };
}

/**
 * Two tracks share one region (two objects merged): it is split between them by prediction
 * (where their looks differ, each patch that clearly looks like one goes to it: `splitByLook`),
 * and each coasts, kept within it. Not when the sharer is out of sight in it while the owner
 * shows (two look-alikes crossing: the one behind shows few or no patches of its own, and
 * splitting by prediction gave it the front one's): then it is left without a region, to be
 * hidden. Returns whether they share.
 */
function share(state: TrackerState, frame: FrameState, owner: Track, ownerMotion: Motion, sharer: Track, mask: Uint8Array): boolean {
  const { decay, tuning } = state.settings;
  const looks = compareLooks(frame, mask, owner, sharer, tuning);
  const inSight = (count: number, motion: Motion): boolean => count >= tuning.sightShare * motion.area;
  if (looks && !inSight(looks.sharer, sharer.motion) && inSight(looks.owner, ownerMotion)) return false;
  const [own, other] = splitByPrediction(mask, frame.cols, ownerMotion, sharer.motion, decay);
  if (looks && tuning.splitByLook) {
    for (let i = 0; i < mask.length; i++) {
      if (looks.prefers[i] === 0) continue;
      own[i] = looks.prefers[i] === 1 ? 1 : 0;
      other[i] = looks.prefers[i] === -1 ? 1 : 0;
    }
  }
  frame.masks.set(owner.id, own);
  frame.masks.set(sharer.id, other);
  frame.scores.set(sharer.id, 0.5);
  for (const [track, motion] of [[owner, ownerMotion], [sharer, sharer.motion]] as const) {
    track.motion = coastMotion(motion, decay);
    track.motion.centre = clampToRegion(track.motion.centre, mask, frame.cols);
    track.fade = undefined;
    track.merged = true;
  }
  return true;
}

/**
 * Takes out of a claimed mask, in place, the patches that do not look like the track (below
 * `trimCosine` to its prototype), unless fewer than `minPatches` would be left (then nothing
 * says which part is the object, and the region stays whole).
 */
function trimToLook_(frame: FrameState, mask: Uint8Array, prototype: Float32Array, tuning: MultiTrackerTuning): void {
  const { dim, tokens } = frame;
  const unlike: number[] = [];
  let like = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    if (dot(tokens.subarray(i * dim, (i + 1) * dim), prototype) >= tuning.trimCosine) like++;
    else unlike.push(i);
  }
  if (like < tuning.minPatches) return;
  for (const i of unlike) mask[i] = 0;
}

/** Gives `track` this frame's `proposal`; `taken` says which tracks have a region of their own this frame. */
export function claim(state: TrackerState, frame: FrameState, track: Track, proposal: Proposal, score: number, taken: (t: Track) => boolean = (t) => frame.masks.has(t.id)): void {
  const { decay, fadeFrames, motionFrames, tuning } = state.settings;
  frame.masks.set(track.id, Uint8Array.from(proposal.mask));
  frame.scores.set(track.id, Math.min(1, Math.max(0, score)));
  track.before = track.motion;
  // Two objects in one region (look-alikes crossing): the region's centre is neither's, so
  // each coasts on its prediction, kept within the region, for as long as the merge lasts;
  // the region is split between them by look and prediction (share), which is what
  // propagation carries on. A sharer out of sight there is left to be hidden instead.
  const sharer = findSharer(proposal, track, state.tracks, (t) => taken(t) || frame.masks.has(t.id), frame.propagated, frame.cols, tuning);
  if (sharer && share(state, frame, track, track.motion, sharer, proposal.mask)) return;
  track.merged = false;
  // Half hidden, an object shows only part of its look and a centre that lags; a region
  // swollen by background has a centre that is not the object's: keep what the full view taught.
  const partial = proposal.area < tuning.partialShare * track.motion.area;
  const swollen = proposal.area * tuning.partialShare > track.motion.area;
  if (!partial && !swollen) blendPrototype_(track.prototype, proposal.prototype, tuning.prototypeRate);
  // What a region swollen past anything the object has been took in looks like nothing the
  // track has been: painted (and carried on by propagation) it would stay with the track. Not
  // a region the object has filled before (one coming back into view is "swollen" against a
  // usual size its partial views lowered; its own patches of a look unlike the mean would go).
  // Its size still counts whole: an object that shows a part unlike the rest is swollen only
  // until its usual size catches up, and then painted whole.
  if (swollen && proposal.area * tuning.partialShare > Math.max(track.peakArea ?? 0, track.motion.area)) trimToLook_(frame, frame.masks.get(track.id) as Uint8Array, track.prototype, tuning);
  track.sightings = addSighting(track.sightings, { step: frame.step, area: proposal.area }, fadeFrames);
  track.fade = undefined;
  if (partial || swollen) track.motion = coastMotion(track.motion, decay, proposal.area, motionFrames);
  else track.motion = observeMotion(track.motion, proposal.centre, proposal.area, motionFrames);
  track.peakArea = Math.max(track.peakArea ?? 0, track.motion.area);
  // One region as large as both sides were at its birth: the object is out from behind what split it.
  if (track.bornSplit && proposal.area >= (track.peakArea ?? 0)) track.bornSplit = false;
}

/**
 * A track that shared a region last frame and has none now: the merged region may have
 * broken into a part and fragments (which absorbPieces joined to the part's track); where it
 * is expected inside that track's mask, the two still share it.
 */
export function keepSharing(state: TrackerState, frame: FrameState): void {
  const { tuning } = state.settings;
  for (const track of state.tracks) {
    if (!track.merged || frame.masks.has(track.id)) continue;
    const owner = state.tracks.find((o) => o !== track && o.before && frame.masks.has(o.id) && isExpectedIn(track, frame.masks.get(o.id) as Uint8Array, frame.propagated, frame.cols, tuning));
    if (owner) share(state, frame, owner, owner.before as Motion, track, frame.masks.get(owner.id) as Uint8Array);
  }
}

/** The confidence of a new object on the frame it is born and the frames it is painted back into: no match to score yet. */
export const bornScore = 0.5;

/** The candidate's masks in the frames of its history, painted as track `id` (to paint back into them): no more confident than a birth. */
function paintHistory(state: TrackerState, frame: FrameState, id: number, candidate: Candidate): BackfillFrame[] {
  const { width, height } = state.settings;
  return candidate.history.map(({ index, mask }) => ({ index, labels: paintLabels(new Map([[id, mask]]), frame.rows, frame.cols, width, height), soft: new Map([[id, Float32Array.from(mask)]]), score: bornScore }));
}

/** A new track for `candidate`, which claims its region; its masks on the frames of its birth window, to paint into them. */
export function bear(state: TrackerState, frame: FrameState, candidate: Candidate): BackfillFrame[] {
  const track: Track = { id: state.nextId++, prototype: Float32Array.from(candidate.proposal.prototype), motion: startMotion(candidate.proposal.centre, candidate.proposal.area), unattended: 0, sightings: [], merged: false };
  state.tracks.push(track);
  claim(state, frame, track, candidate.proposal, bornScore);
  // Up to a second back, where the region did not yet look like an object: no more confident than at its birth.
  return paintHistory(state, frame, track.id, candidate);
}

/**
 * A track born this frame takes `side`, a candidate ready in the same frame that is its other
 * side: its motion starts from both (a side alone is then a partial view, which does not move
 * its prediction), and the side's history joins, in place, the frames `births` paints the
 * track back into. Returns the frames only the side is painted back into.
 */
export function joinSide_(state: TrackerState, frame: FrameState, track: Track, births: BackfillFrame[], side: Candidate, split = true): BackfillFrame[] {
  const added: BackfillFrame[] = [];
  const { rows, cols } = frame;
  const { width, height } = state.settings;
  const mask = frame.masks.get(track.id) as Uint8Array;
  let [area, sumR, sumC] = [0, 0, 0];
  for (let i = 0; i < mask.length; i++) if (mask[i]) [area, sumR, sumC] = [area + 1, sumR + Math.floor(i / cols), sumC + (i % cols)];
  track.motion = startMotion([sumR / area, sumC / area], area);
  track.peakArea = area;
  if (split) track.bornSplit = true;
  for (const { index, mask: piece } of side.history) {
    const birth = births.find((b) => b.index === index);
    const joined = Uint8Array.from(piece);
    const before = birth?.soft?.get(track.id);
    if (before) for (let i = 0; i < joined.length; i++) if (before[i] > 0) joined[i] = 1;
    const painted: BackfillFrame = { index, labels: paintLabels(new Map([[track.id, joined]]), rows, cols, width, height), soft: new Map([[track.id, Float32Array.from(joined)]]), score: bornScore };
    if (birth) Object.assign(birth, painted);
    else added.push(painted);
  }
  births.push(...added);
  return added;
}

/**
 * A track takes `side`, a ready candidate that is its object's far side coming out from behind
 * a pillar (pieces.ts isEmergingSide), as a piece this frame: painted into its mask and its
 * own region (`region`, what it held this frame), and into the frames of the candidate's
 * history (returned, to paint back). The object is at least as wide as both sides together
 * (`span`), so that the side bounds of pieces.ts take the far side on from here, while the two
 * move as one (pieces.ts keepSpan_); and it has been a side for the candidate's frames
 * (`pieceFrames`).
 */
export function takeEmergingSide_(state: TrackerState, frame: FrameState, track: Track, region: Uint8Array, side: Candidate): BackfillFrame[] {
  const { rows, cols } = frame;
  const { mask } = side.proposal;
  const span = measureSpan(region, mask, rows, cols);
  if (span) track.span = { ...span, length: Math.max(track.span?.length ?? 0, span.length) };
  track.spanSides = undefined; // counted afresh from this frame's two sides
  track.pieceFrames = Math.max(track.pieceFrames ?? 0, side.history.length);
  const pieces = frame.pieces.get(track.id) ?? new Uint8Array(mask.length);
  const painted = frame.masks.get(track.id) as Uint8Array;
  for (let i = 0; i < mask.length; i++) {
    pieces[i] |= mask[i];
    painted[i] |= mask[i];
    region[i] |= mask[i]; // as absorbPieces leaves a piece: what the track held this frame
  }
  frame.pieces.set(track.id, pieces);
  return paintHistory(state, frame, track.id, side);
}
