import { getMaskIou } from '../mask-iou.js';
import { dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import type { BackfillFrame } from '../types.js';
import { assignGreedy } from './assignment.js';
import { advanceCandidates, hasNotGrown, isEmerging, isReceding, type Candidate } from './births.js';
import { bear, claim, joinSide_, takeEmergingSide_ } from './claiming.js';
import { getFade, getHiddenFrames } from './fading.js';
import { getMotionSurprise, isBehind, missMotion } from './motion.js';
import { isBridgedSide, isContinuedSide, isEmergingSide, isHiddenPart, isNearSide, isOtherSide } from './pieces.js';
import { lazyBackdrop } from './backdrop.js';
import { judgeObjectLike, measureHeadSupport, type HeadSupport } from './objectness.js';
import { isThin, isTouchingPiece, touches } from './sharing.js';
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
 * look-alike elsewhere. Where no track takes it so: a thin piece touching a track at a corner
 * (a piece of a thin part at a slant; not a look-alike's compact region at the corner of
 * another), then a part coming back out from behind another object (findHiddenPartOwner).
 */
function findPieceOwner(state: TrackerState, frame: FrameState, proposal: Proposal, regions: Map<number, Uint8Array>, occupied: () => Uint8Array, bornNow: Set<Track>): Track | undefined {
  const { tuning } = state.settings;
  const { rows, cols } = frame;
  const isTouching = (t: Track, region: Uint8Array, corners: boolean): boolean => isTouchingPiece(t.prototype, region, proposal, rows, cols, tuning.touchCosine, corners);
  const withRegions = state.tracks.flatMap((t) => {
    const region = regions.get(t.id);
    return region === undefined ? [] : [{ t, region }];
  });
  return withRegions.find(({ t, region }) => isTouching(t, region, false)
    || isContinuedSide(t, region, proposal, rows, cols, tuning)
    || isOtherSide(t, region, proposal, rows, cols, tuning) || isBridgedSide(t, region, proposal, occupied, rows, cols, tuning, bornNow.has(t)))?.t
    ?? (isThin(proposal.mask, proposal.area, rows, cols) ? withRegions.find(({ t, region }) => isTouching(t, region, true))?.t : undefined)
    ?? findHiddenPartOwner(state, proposal, withRegions, rows, cols);
}

/** The track whose object `proposal` is a part of, coming out from behind another object in front of it (pieces.ts isHiddenPart). */
function findHiddenPartOwner(state: TrackerState, proposal: Proposal, withRegions: { t: Track; region: Uint8Array }[], rows: number, cols: number): Track | undefined {
  const { tuning } = state.settings;
  return withRegions.find(({ t, region }) => isHiddenPart(t, region, proposal, withRegions.filter((o) => o.t !== t).map((o) => o.region), rows, cols, tuning))?.t;
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
  // Until no piece joins: one that joined may be what the next one touches (a thin part the
  // patch grid cut into a chain of pieces).
  for (let joined = true; joined;) {
    joined = false;
    for (const proposal of free) {
      if (owners.has(proposal)) continue;
      const owner = findPieceOwner(state, frame, proposal, regions, getOccupiedOnce, bornNow);
      if (!owner) continue;
      owners.set(proposal, owner);
      joinPiece_(frame, owner, proposal);
      joined = true;
    }
  }
  return { free: free.filter((p) => !owners.has(p)), owners };
}

/** A piece becomes part of its track this frame: in its mask, and in the pieces it took (for the next frame). */
function joinPiece_(frame: FrameState, owner: Track, proposal: Proposal): void {
  const pieces = frame.pieces.get(owner.id) ?? new Uint8Array(proposal.mask.length);
  for (let i = 0; i < pieces.length; i++) pieces[i] |= proposal.mask[i];
  frame.pieces.set(owner.id, pieces);
  const mask = frame.masks.get(owner.id) as Uint8Array;
  for (let i = 0; i < mask.length; i++) if (proposal.mask[i]) mask[i] = 1;
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
 * it came in behind, never seen whole): it split off the track and shrinks away beside it, or,
 * behind a track that moves away from it, has not grown since it was first seen (a sliver that
 * holds its size a while: probe scene 5720). Born, it would be a second track for a few frames.
 * A look-alike that was never part of the track is not; nor one that appears out of a still
 * track, or ahead of a moving one, and does not grow (newcomer probe 617's, held back for good
 * by a first form without `isBehind`).
 */
function isLeavingSide(state: TrackerState, frame: FrameState, candidate: Candidate, regions: Map<number, Uint8Array>): boolean {
  const track = state.tracks.find((t) => t.id === candidate.splitFrom);
  const region = track && regions.get(track.id);
  if (!track || !region) return false;
  const { tuning, birthFrames, motionFrames } = state.settings;
  const leaving = isReceding(candidate, birthFrames, tuning.partialShare) || (hasNotGrown(candidate, birthFrames) && isBehind(track.motion, candidate.proposal.centre, tuning.behindPatches / motionFrames));
  return leaving && isNearSide(track, region, candidate.proposal, frame.rows, frame.cols, tuning);
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

/** The index of the first of `queue` that is a piece of a track (born earlier or this frame), or -1. */
function findPiece(state: TrackerState, frame: FrameState, queue: Candidate[], regions: Map<number, Uint8Array>, bornNow: Set<Track>): number {
  let occupied: Uint8Array | undefined;
  const getOccupiedOnce = (): Uint8Array => (occupied ??= getOccupied(state, frame, regions));
  return queue.findIndex((c) => findPieceOwner(state, frame, c.proposal, regions, getOccupiedOnce, bornNow) !== undefined);
}

/**
 * Whether a candidate ready to be born waits instead: part of a hidden object coming back looks
 * only partly like it, so it waits until it can be re-identified (by a track that may still take
 * it: not hidden too long for a view this large), while it is still coming into view (one that
 * stopped growing and is still not re-identified is another object); or it is the trailing side
 * of a tracked object going behind something.
 */
function isHeldBack(state: TrackerState, frame: FrameState, candidate: Candidate, regions: Map<number, Uint8Array>): boolean {
  const { tuning, occlusionFrames, paintBackFrames } = state.settings;
  const maybeReturning = isEmerging(candidate, paintBackFrames, tuning.emergeGrowth) && state.tracks.some((t) => t.motion.missing > 0
    && dot(t.prototype, candidate.proposal.prototype) >= tuning.holdCosine && getHiddenFrames(t.motion.missing, t.fade, candidate.proposal.area) <= occlusionFrames);
  return maybeReturning || isLeavingSide(state, frame, candidate, regions);
}

/**
 * The tracks born this frame that `candidate` joins as a piece, not as the other side of an
 * object split by something in front: it touches one only at a corner, or touches one and is
 * not ready to be born itself. Such a join does not mark the track born split (isBridgedSide
 * would then take look-alikes beyond a tall object for its far side, for good: a review).
 */
function getTouchedNewborns(frame: FrameState, candidate: Candidate, newborns: Map<Track, BackfillFrame[]>, regions: Map<number, Uint8Array>, isReady: boolean): Set<Track> {
  const { rows, cols } = frame;
  return new Set([...newborns.keys()].filter((t) => {
    const region = regions.get(t.id) as Uint8Array;
    return touches(candidate.proposal.mask, region, rows, cols, true) && (!isReady || !touches(candidate.proposal.mask, region, rows, cols, false));
  }));
}

/** New objects: candidates that behaved like objects for the birth window, while there is room. */
export function giveBirth(state: TrackerState, frame: FrameState, free: Proposal[], regions: Map<number, Uint8Array>, ready: (c: Candidate) => boolean): BackfillFrame[] {
  const { tuning, maxObjects, paintBackFrames } = state.settings;
  const { headLift, ringPatches } = tuning;
  const objectness = { rows: frame.rows, cols: frame.cols, heads: frame.heads, dim: frame.dim, headLift, ringPatches };
  // The backdrop: what neither this frame's proposals nor the tracks' claims cover.
  const getBackdrop = lazyBackdrop(frame.tokens, () => [...frame.proposals.map((p) => p.mask), ...frame.masks.values()], { ...objectness, ...tuning });
  const objectLike = (p: Proposal): boolean => judgeObjectLike(p, frame.attention, frame.tokens, objectness, tuning, measure(state, frame, p), getBackdrop);
  state.candidates = advanceCandidates(state.candidates, free, frame.index, objectLike, { candidateIou: tuning.candidateIou, mergeCosine: tuning.mergeCosine, persistCosine: tuning.persistCosine, historyFrames: paintBackFrames });
  for (const candidate of state.candidates) if (candidate.seen === 1) candidate.splitFrom = findSplitFrom(state, candidate.proposal, tuning.continuedShare);
  const backfill: BackfillFrame[] = [];
  const born = new Set<Candidate>();
  const newborns = new Map<Track, BackfillFrame[]>(); // born this frame → their frames painted back
  // Largest first, so that a piece of an object born in the same frame joins it (absorbPieces)
  // instead; but pieces of a tracked object before anything else, so that a piece the grid cut
  // off further along a thin part joins it once the pieces between have (not born as its own).
  const queue = [...state.candidates].sort((a, b) => b.proposal.area - a.proposal.area);
  while (queue.length > 0) {
    // (Before a birth this frame, the pieces of every track were taken by absorbPieces.)
    const piece = newborns.size > 0 ? findPiece(state, frame, queue, regions, new Set(newborns.keys())) : -1;
    const [candidate] = queue.splice(Math.max(0, piece), 1);
    // One not yet an object on its own may still be a piece of one (born this frame: the grid
    // cut a thin part of it into pieces, some not seen as long); it joins it, and is never born.
    if (!ready(candidate) ? piece < 0 : isHeldBack(state, frame, candidate, regions)) continue;
    // The far side of a tracked object coming out from behind a pillar wider than its near side: the track's.
    const host = ready(candidate) ? findEmergingHost(state, frame, candidate, regions) : undefined;
    if (host) {
      backfill.push(...takeEmergingSide_(state, frame, host, regions.get(host.id) as Uint8Array, candidate));
      born.add(candidate);
      continue;
    }
    const piecesOf = getTouchedNewborns(frame, candidate, newborns, regions, ready(candidate));
    const owner = absorbPieces(state, frame, [candidate.proposal], regions, new Set(newborns.keys())).owners.get(candidate.proposal);
    if (!owner && !ready(candidate)) continue; // findPiece found it an owner: not reached
    // The limit is on objects: a piece joins its track even when no more may be born.
    if (!owner && state.tracks.length >= maxObjects) continue;
    born.add(candidate);
    const newborn = owner && newborns.get(owner);
    if (owner && !newborn) continue;
    if (newborn) {
      // The other side of an object born split (by a pillar in front of it): one object, as
      // large as both sides, painted back where either was.
      backfill.push(...joinSide_(state, frame, owner as Track, newborn, candidate, !piecesOf.has(owner as Track)));
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
