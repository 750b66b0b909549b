import { getMaskIou } from '../mask-iou.js';
import { dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import type { BackfillFrame } from '../types.js';
import { assignGreedy } from './assignment.js';
import { advanceCandidates, isEmerging, isReceding, type Candidate } from './births.js';
import { bear, claim, joinSide_, takeEmergingSide_ } from './claiming.js';
import { getFade, getHiddenFrames } from './fading.js';
import { getMotionSurprise, missMotion } from './motion.js';
import { isBridgedSide, isContinuedSide, isEmergingSide, isNearSide, isOtherSide } from './pieces.js';
import { judgeObjectLike, measureHeadSupport, type HeadSupport } from './objectness.js';
import { touches } from './sharing.js';
import type { FrameState, Track, TrackerState } from './state.js';

// One frame's steps, in the order the tracker runs them: follow, reidentify, absorbPieces,
// (keepSharing), keepPropagated, giveBirth, hideUnseen. Each takes the proposals the steps
// before it left free and returns those it leaves free.

// How a region draws the heads, measured once: the steps ask it of the same region again
// (each hidden track's re-identification asks it of every free region). Regions belong to
// one frame and one tracker and are never changed after they are made.
const measured = new WeakMap<Proposal, HeadSupport>();

function measure(state: TrackerState, frame: FrameState, proposal: Proposal): HeadSupport {
  const known = measured.get(proposal);
  if (known) return known;
  const support = measureHeadSupport(proposal, frame.attention, { rows: frame.rows, cols: frame.cols, heads: frame.heads, headLift: state.settings.tuning.headLift });
  measured.set(proposal, support);
  return support;
}

function isAttended(state: TrackerState, frame: FrameState, proposal: Proposal): boolean {
  const { tuning } = state.settings;
  const { support, maxLift } = measure(state, frame, proposal);
  // One head attending it at `singleHeadLift` made it foreground (a small object only that head sees): it still draws the heads.
  return support >= tuning.supportHeads || maxLift >= Math.min(tuning.strongLift, tuning.singleHeadLift);
}

/** Active tracks follow the proposal their propagated mask overlaps (or that looks like them), near where they are expected. */
export function follow(state: TrackerState, frame: FrameState, proposals: Proposal[]): Proposal[] {
  const { tuning, decay, birthFrames } = state.settings;
  const active = state.tracks.filter((t) => t.motion.missing === 0);
  const followed = assignGreedy(active, proposals, (track, proposal) => {
    const iou = getMaskIou(proposal.mask, frame.propagated.get(track.id) ?? new Float32Array(0));
    const cosine = dot(track.prototype, proposal.prototype);
    if (iou < tuning.followIou && cosine < tuning.followCosine) return undefined;
    // Merged with another, a track leaves the shared region only for a part of its own size
    // (the merge splitting), not for a fragment of background beside it.
    if (track.merged && proposal.area < tuning.partialShare * track.motion.area) return undefined;
    return iou + tuning.followCosineWeight * cosine - tuning.motionWeight * getMotionSurprise(track.motion, proposal.centre, decay);
  });
  const kept = followed.filter(([track, proposal]) => {
    // A track whose region no longer draws the heads for the birth window has lost its object: it is hidden instead.
    track.unattended = isAttended(state, frame, proposal) ? 0 : track.unattended + 1;
    return track.unattended < birthFrames;
  });
  // Tracks that follow a region of their own this frame share no other region.
  const following = new Set(kept.map(([track]) => track));
  for (const [track, proposal, score] of kept) claim(state, frame, track, proposal, score, (t) => following.has(t));
  return proposals.filter((p) => !kept.some(([, q]) => q === p));
}

/** Returning objects (attended as objects are) get their old id back, by appearance, nearest their predicted position first. */
export function reidentify(state: TrackerState, frame: FrameState, free: Proposal[]): Proposal[] {
  const { tuning, decay, occlusionFrames } = state.settings;
  const hidden = state.tracks.filter((t) => t.motion.missing > 0);
  const returned = assignGreedy(hidden, free, (track, proposal) => {
    const cosine = dot(track.prototype, proposal.prototype);
    if (cosine < tuning.nearReidCosine || !isAttended(state, frame, proposal)) return undefined; // a returning object is attended as one
    if (getHiddenFrames(track.motion.missing, track.fade, proposal.area) > occlusionFrames) return undefined; // hidden too long
    const surprise = getMotionSurprise(track.motion, proposal.centre, decay);
    // Where the motion model expects it, a partly seen object (its other side, or half out from behind a wall) is recognised by less.
    if (cosine < tuning.reidCosine && !(cosine >= tuning.nearReidCosine && surprise <= tuning.nearSurprise)) return undefined;
    return cosine - tuning.motionWeight * surprise;
  });
  for (const [track, proposal, score] of returned) claim(state, frame, track, proposal, score);
  return free.filter((p) => !returned.some(([, q]) => q === p));
}

/**
 * Patches an object holds this frame (what may be in front of another): a track's own region,
 * or a proposal that draws the heads as objects do. A background region the attention threshold
 * cut out is no object in front: two look-alikes with background between stay two.
 */
function getOccupied(state: TrackerState, frame: FrameState, regions: Map<number, Uint8Array>): Uint8Array {
  const occupied = new Uint8Array(frame.rows * frame.cols);
  const objects = [...regions.values(), ...frame.proposals.filter((p) => isAttended(state, frame, p)).map((p) => p.mask)];
  for (const mask of objects) for (let i = 0; i < occupied.length; i++) occupied[i] |= mask[i];
  return occupied;
}

/**
 * The track a free region is a piece of: touching its region and like it, a part it held in
 * its last frame, or its other side where a pillar splits it (pieces.ts); none for a
 * look-alike elsewhere.
 */
function findPieceOwner(state: TrackerState, frame: FrameState, proposal: Proposal, regions: Map<number, Uint8Array>, occupied: () => Uint8Array, bornNow: Set<Track>): Track | undefined {
  const { tuning } = state.settings;
  const { rows, cols } = frame;
  return state.tracks.find((t) => {
    const region = regions.get(t.id);
    if (region === undefined) return false;
    return (dot(t.prototype, proposal.prototype) >= tuning.touchCosine && touches(proposal.mask, region, rows, cols))
      || isContinuedSide(t, region, proposal, rows, cols, tuning)
      || isOtherSide(t, region, proposal, rows, cols, tuning) || isBridgedSide(t, region, proposal, occupied, rows, cols, tuning, bornNow.has(t));
  });
}

/**
 * Pieces of a tracked object join it instead of becoming new objects (`findPieceOwner`); a
 * look-alike elsewhere does not. `regions` are the tracks' own regions: at births, what
 * propagation alone labelled a track (it labels by look, so a look-alike apart from it) does
 * not make a region its piece. Returns the proposals left free and the tracks that took the others.
 */
export function absorbPieces(state: TrackerState, frame: FrameState, free: Proposal[], regions: Map<number, Uint8Array> = frame.masks, bornNow: Set<Track> = new Set()): { free: Proposal[]; owners: Map<Proposal, Track> } {
  // Made only when a region passes the across-an-object rule's cheaper tests, once per call.
  let occupied: Uint8Array | undefined;
  const getOccupiedOnce = (): Uint8Array => (occupied ??= getOccupied(state, frame, regions));
  const owners = new Map<Proposal, Track>();
  for (const proposal of free) {
    const owner = findPieceOwner(state, frame, proposal, regions, getOccupiedOnce, bornNow);
    if (!owner) continue;
    owners.set(proposal, owner);
    const pieces = frame.pieces.get(owner.id) ?? new Uint8Array(proposal.mask.length);
    for (let i = 0; i < pieces.length; i++) pieces[i] |= proposal.mask[i];
    frame.pieces.set(owner.id, pieces);
    const mask = frame.masks.get(owner.id) as Uint8Array;
    for (let i = 0; i < mask.length; i++) if (proposal.mask[i]) mask[i] = 1;
  }
  return { free: free.filter((p) => !owners.has(p)), owners };
}

/** A track also keeps patches its propagation is sure of, unless another object claims them. */
export function keepPropagated(state: TrackerState, frame: FrameState): void {
  const { keepSoft } = state.settings.tuning;
  const claimed = new Uint8Array(frame.rows * frame.cols);
  for (const mask of frame.masks.values()) for (let i = 0; i < claimed.length; i++) claimed[i] += mask[i];
  for (const [id, mask] of frame.masks) {
    const soft = frame.propagated.get(id);
    if (!soft) continue;
    for (let i = 0; i < mask.length; i++) if (!mask[i] && !claimed[i] && soft[i] >= keepSoft) mask[i] = 1;
  }
}

/**
 * The track whose object a region new this frame mostly (`share` of it) lay in the frame before:
 * its own region then or the pieces it took (`held`, `pieces`, set for the next frame).
 */
function findSplitFrom(state: TrackerState, proposal: Proposal, share: number): number | undefined {
  return state.tracks.find((t) => {
    let inside = 0;
    for (let i = 0; i < proposal.mask.length; i++) if (proposal.mask[i] && (t.held?.[i] || t.pieces?.[i])) inside++;
    return inside >= share * proposal.area;
  })?.id;
}

/**
 * Whether a candidate is the trailing side of a tracked object going behind something (a pillar
 * it came in behind, never seen whole): it split off the track and shrinks away beside it. Born,
 * it would be a second track for a few frames. A look-alike that was never part of the track is not.
 */
function isLeavingSide(state: TrackerState, frame: FrameState, candidate: Candidate, regions: Map<number, Uint8Array>): boolean {
  const track = state.tracks.find((t) => t.id === candidate.splitFrom);
  const region = track && regions.get(track.id);
  if (!track || !region) return false;
  const { tuning, birthFrames } = state.settings;
  return isReceding(candidate, birthFrames, tuning.partialShare) && isNearSide(track, region, candidate.proposal, frame.rows, frame.cols, tuning);
}

/** The visible track whose object `candidate` is the far side of, coming out beyond a pillar (pieces.ts isEmergingSide); the likest where several could be. */
function findEmergingHost(state: TrackerState, frame: FrameState, candidate: Candidate, regions: Map<number, Uint8Array>): Track | undefined {
  const hosts = state.tracks.filter((t) => {
    const region = regions.get(t.id);
    return region !== undefined && isEmergingSide(t, region, candidate, frame.step, frame.rows, frame.cols, state.settings.tuning);
  });
  const likeness = (t: Track): number => dot(t.prototype, candidate.proposal.prototype);
  return hosts.sort((a, b) => likeness(b) - likeness(a))[0];
}

/** New objects: candidates that behaved like objects for the birth window, while there is room. */
export function giveBirth(state: TrackerState, frame: FrameState, free: Proposal[], regions: Map<number, Uint8Array>, ready: (c: Candidate) => boolean): BackfillFrame[] {
  const { tuning, occlusionFrames, maxObjects, paintBackFrames } = state.settings;
  const { headLift, ringPatches } = tuning;
  const objectness = { rows: frame.rows, cols: frame.cols, heads: frame.heads, dim: frame.dim, headLift, ringPatches };
  const objectLike = (p: Proposal): boolean => judgeObjectLike(p, frame.attention, frame.tokens, objectness, tuning, measure(state, frame, p));
  state.candidates = advanceCandidates(state.candidates, free, frame.index, objectLike, { candidateIou: tuning.candidateIou, mergeCosine: tuning.mergeCosine, persistCosine: tuning.persistCosine, historyFrames: paintBackFrames });
  for (const candidate of state.candidates) if (candidate.seen === 1) candidate.splitFrom = findSplitFrom(state, candidate.proposal, tuning.continuedShare);
  const backfill: BackfillFrame[] = [];
  // Largest first, so that a piece of an object born in the same frame joins it (absorbPieces) instead.
  const born = new Set<Candidate>();
  const newborns = new Map<Track, BackfillFrame[]>(); // born this frame → their frames painted back
  for (const candidate of [...state.candidates].sort((a, b) => b.proposal.area - a.proposal.area)) {
    // Part of a hidden object coming back looks only partly like it: wait until it can be re-identified
    // (by a track that may still take it: not hidden too long for a view this large), while it is
    // still coming into view; one that stopped growing and is still not re-identified is another object.
    const maybeReturning = isEmerging(candidate, paintBackFrames, tuning.emergeGrowth) && state.tracks.some((t) => t.motion.missing > 0
      && dot(t.prototype, candidate.proposal.prototype) >= tuning.holdCosine && getHiddenFrames(t.motion.missing, t.fade, candidate.proposal.area) <= occlusionFrames);
    if (!ready(candidate) || maybeReturning || isLeavingSide(state, frame, candidate, regions)) continue;
    // The far side of a tracked object coming out from behind a pillar wider than its near side: the track's.
    const host = findEmergingHost(state, frame, candidate, regions);
    if (host) {
      backfill.push(...takeEmergingSide_(state, frame, host, regions.get(host.id) as Uint8Array, candidate));
      born.add(candidate);
      continue;
    }
    if (state.tracks.length >= maxObjects) continue;
    born.add(candidate);
    const owner = absorbPieces(state, frame, [candidate.proposal], regions, new Set(newborns.keys())).owners.get(candidate.proposal);
    const newborn = owner && newborns.get(owner);
    if (owner && !newborn) continue;
    if (newborn) {
      // The other side of an object born split (by a pillar in front of it): one object, as
      // large as both sides, painted back where either was.
      backfill.push(...joinSide_(state, frame, owner as Track, newborn, candidate));
    } else {
      const births = bear(state, frame, candidate);
      backfill.push(...births);
      const track = state.tracks[state.tracks.length - 1];
      regions.set(track.id, frame.masks.get(track.id) as Uint8Array);
      newborns.set(track, births);
    }
    const { id } = owner ?? state.tracks[state.tracks.length - 1];
    // What propagation alone gave other tracks of it is the newborn's.
    for (const [other, mask] of frame.masks) {
      const region = regions.get(other);
      if (other !== id && region) for (let i = 0; i < mask.length; i++) if (candidate.proposal.mask[i] && !region[i]) mask[i] = 0;
    }
  }
  state.candidates = state.candidates.filter((c) => !born.has(c));
  return backfill;
}

/**
 * Tracks without evidence this frame are hidden; hidden too long, they end (their id is
 * never reused). The clock starts when the last visible part vanishes, not at the last
 * sighting (see fading.ts).
 */
export function hideUnseen(state: TrackerState, frame: FrameState): void {
  const { partialShare } = state.settings.tuning;
  for (const track of state.tracks) {
    if (frame.masks.has(track.id)) continue;
    track.motion = missMotion(track.motion);
    track.merged = false;
    if (track.motion.missing === 1) track.fade = getFade(track.sightings, partialShare);
  }
  state.tracks = state.tracks.filter((t: Track) => getHiddenFrames(t.motion.missing, t.fade) <= state.settings.occlusionFrames);
}
