import { averageHeads } from '../attention-mask.js';
import { getMaskIou } from '../mask-iou.js';
import { blendPrototype_, centreAndNormalizeRows, dot, normalizeRows } from '../patch-features.js';
import { propagateMasks, type ContextFrame } from '../propagation.js';
import { getProposals, type Proposal } from '../proposals.js';
import { describeLabels } from '../regions.js';
import type { BackfillFrame, FrameFeatures, FrameResult, Tracker, TrackerOptions } from '../types.js';
import { assignGreedy } from './assignment.js';
import { advanceCandidates, isReadyToBeBorn, type Candidate } from './births.js';
import { addSighting, getFade, getHiddenFrames, type Fade, type Sighting } from './fading.js';
import { coastMotion, getMotionSurprise, missMotion, observeMotion, startMotion, type Motion } from './motion.js';
import { isObjectLike, measureObjectness } from './objectness.js';
import { paintLabels } from './painting.js';
import { clampToRegion, findSharer, isExpectedIn, splitByPrediction, touches } from './sharing.js';
import { multiTrackerTuning, type MultiTrackerTuning } from './tuning.js';

interface Track {
  id: number;
  prototype: Float32Array;
  motion: Motion;
  /** Consecutive frames its region was not attended as an object is (it may have slid onto the background). */
  unattended: number;
  /** Its sightings over the fade window, for telling whether it faded out of sight. */
  sightings: Sighting[];
  /** While hidden: how it faded out of sight, if it did (then its unseen slivers do not count as hidden). */
  fade?: Fade;
  /** It shared one region with another track in its last frame (two objects merged). */
  merged: boolean;
  /** Its motion before this frame's region was claimed (for sharing that region after all). */
  before?: Motion;
}

/** One frame's work: what the steps below share. */
interface FrameState {
  index: number;
  /** Frames this tracker has seen, this one included (`index` counts video frames, which --stride skips). */
  step: number;
  rows: number;
  cols: number;
  tokens: Float32Array;
  attention: Float32Array;
  heads: number;
  dim: number;
  propagated: Map<number, Float32Array>;
  /** id → patch mask claimed this frame. */
  masks: Map<number, Uint8Array>;
  scores: Map<number, number>;
}

/**
 * Multi-object tracker: per-frame proposals from attention and features; tracks carried
 * forward by label propagation and a constant-velocity motion model; a track is born only
 * for a region that behaves like an object over the birth window (attended by several
 * heads, unlike its surroundings, persistent), and its masks are then painted into the
 * frames of that window (`births`); occluded tracks are kept for `occlusionFrames` and
 * re-identified by appearance and predicted position; ids are never reused.
 */
export function createMultiTracker(options: TrackerOptions, tuning: MultiTrackerTuning = multiTrackerTuning): Tracker {
  const { width, height } = options;
  const occlusionFrames = options.occlusionFrames ?? Math.round(2 * options.fps);
  const birthFrames = Math.max(2, Math.round(tuning.birthSeconds * options.fps));
  const decay = tuning.hiddenVelocityDecay;
  const fadeFrames = Math.max(3, Math.round(tuning.fadeSeconds * options.fps));
  const motionFrames = Math.max(2, Math.round(tuning.motionSeconds * options.fps));
  let tracks: Track[] = [];
  let candidates: Candidate[] = [];
  let context: ContextFrame[] = [];
  let nextId = 1;
  let framesSeen = 0;
  let last: { rows: number; cols: number } | undefined;

  /** Two tracks share one region (two objects merged): it is split between them by prediction, and each coasts, kept within it. */
  const share = (frame: FrameState, owner: Track, ownerMotion: Motion, sharer: Track, mask: Uint8Array): void => {
    const [own, other] = splitByPrediction(mask, frame.cols, ownerMotion, sharer.motion, decay);
    frame.masks.set(owner.id, own);
    frame.masks.set(sharer.id, other);
    frame.scores.set(sharer.id, 0.5);
    for (const [track, motion] of [[owner, ownerMotion], [sharer, sharer.motion]] as const) {
      track.motion = coastMotion(motion, decay);
      track.motion.centre = clampToRegion(track.motion.centre, mask, frame.cols);
      track.fade = undefined;
      track.merged = true;
    }
  };

  /** Gives `track` this frame's `proposal`; `taken` says which tracks have a region of their own this frame. */
  const claim = (frame: FrameState, track: Track, proposal: Proposal, score: number, taken: (t: Track) => boolean = (t) => frame.masks.has(t.id)): void => {
    frame.masks.set(track.id, Uint8Array.from(proposal.mask));
    frame.scores.set(track.id, Math.min(1, Math.max(0, score)));
    track.before = track.motion;
    // Two objects in one region (look-alikes crossing): the region's centre is neither's, so
    // each coasts on its prediction, kept within the region, for as long as the merge lasts;
    // the region is split between them by prediction, which is what propagation carries on.
    const sharer = findSharer(proposal, track, tracks, (t) => taken(t) || frame.masks.has(t.id), frame.propagated, frame.cols, tuning);
    if (sharer) {
      share(frame, track, track.motion, sharer, proposal.mask);
      return;
    }
    track.merged = false;
    // Half hidden, an object shows only part of its look and a centre that lags; a region
    // swollen by background has a centre that is not the object's: keep what the full view taught.
    const partial = proposal.area < tuning.partialShare * track.motion.area;
    const swollen = proposal.area * tuning.partialShare > track.motion.area;
    if (!partial && !swollen) blendPrototype_(track.prototype, proposal.prototype, tuning.prototypeRate);
    track.sightings = addSighting(track.sightings, { step: frame.step, area: proposal.area }, fadeFrames);
    track.fade = undefined;
    if (partial || swollen) track.motion = coastMotion(track.motion, decay, proposal.area, motionFrames);
    else track.motion = observeMotion(track.motion, proposal.centre, proposal.area, motionFrames);
  };

  /**
   * A track that shared a region last frame and has none now: the merged region may have
   * broken into a part and fragments (which absorbPieces joined to the part's track); where it
   * is expected inside that track's mask, the two still share it.
   */
  const keepSharing = (frame: FrameState): void => {
    for (const track of tracks) {
      if (!track.merged || frame.masks.has(track.id)) continue;
      const owner = tracks.find((o) => o !== track && o.before && frame.masks.has(o.id) && isExpectedIn(track, frame.masks.get(o.id) as Uint8Array, frame.propagated, frame.cols, tuning));
      if (owner) share(frame, owner, owner.before as Motion, track, frame.masks.get(owner.id) as Uint8Array);
    }
  };

  const bear = (frame: FrameState, candidate: Candidate): BackfillFrame[] => {
    const track: Track = { id: nextId++, prototype: Float32Array.from(candidate.proposal.prototype), motion: startMotion(candidate.proposal.centre, candidate.proposal.area), unattended: 0, sightings: [], merged: false };
    tracks.push(track);
    claim(frame, track, candidate.proposal, 0.5);
    return candidate.history.map(({ index, mask }) => ({ index, labels: paintLabels(new Map([[track.id, mask]]), frame.rows, frame.cols, width, height), soft: new Map([[track.id, Float32Array.from(mask)]]) }));
  };

  const measure = (frame: FrameState, proposal: Proposal) => measureObjectness(proposal, frame.attention, frame.tokens, { rows: frame.rows, cols: frame.cols, heads: frame.heads, dim: frame.dim, headLift: tuning.headLift, ringPatches: tuning.ringPatches });
  const isAttended = (frame: FrameState, proposal: Proposal): boolean => {
    const { support, maxLift } = measure(frame, proposal);
    // One head attending it at `singleHeadLift` made it foreground (a small object only that head sees): it still draws the heads.
    return support >= tuning.supportHeads || maxLift >= Math.min(tuning.strongLift, tuning.singleHeadLift);
  };

  /** Active tracks follow the proposal their propagated mask overlaps (or that looks like them), near where they are expected. */
  const follow = (frame: FrameState, proposals: Proposal[]): Proposal[] => {
    const active = tracks.filter((t) => t.motion.missing === 0);
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
      track.unattended = isAttended(frame, proposal) ? 0 : track.unattended + 1;
      return track.unattended < birthFrames;
    });
    // Tracks that follow a region of their own this frame share no other region.
    const following = new Set(kept.map(([track]) => track));
    for (const [track, proposal, score] of kept) claim(frame, track, proposal, score, (t) => following.has(t));
    return proposals.filter((p) => !kept.some(([, q]) => q === p));
  };

  /** Returning objects (attended as objects are) get their old id back, by appearance, nearest their predicted position first. */
  const reidentify = (frame: FrameState, free: Proposal[]): Proposal[] => {
    const hidden = tracks.filter((t) => t.motion.missing > 0);
    const returned = assignGreedy(hidden, free, (track, proposal) => {
      const cosine = dot(track.prototype, proposal.prototype);
      if (cosine < tuning.nearReidCosine || !isAttended(frame, proposal)) return undefined; // a returning object is attended as one
      if (getHiddenFrames(track.motion.missing, track.fade, proposal.area) > occlusionFrames) return undefined; // hidden too long
      const surprise = getMotionSurprise(track.motion, proposal.centre, decay);
      // Where the motion model expects it, a partly seen object (its other side, or half out from behind a wall) is recognised by less.
      if (cosine < tuning.reidCosine && !(cosine >= tuning.nearReidCosine && surprise <= tuning.nearSurprise)) return undefined;
      return cosine - tuning.motionWeight * surprise;
    });
    for (const [track, proposal, score] of returned) claim(frame, track, proposal, score);
    return free.filter((p) => !returned.some(([, q]) => q === p));
  };

  /** Pieces of a tracked object (touching it and like it) join it instead of becoming new objects; a look-alike elsewhere does not. */
  const absorbPieces = (frame: FrameState, free: Proposal[]): Proposal[] => free.filter((proposal) => {
    const owner = tracks.find((t) => {
      const mask = frame.masks.get(t.id);
      return mask !== undefined && dot(t.prototype, proposal.prototype) >= tuning.touchCosine && touches(proposal.mask, mask, frame.rows, frame.cols);
    });
    if (!owner) return true;
    const mask = frame.masks.get(owner.id) as Uint8Array;
    for (let i = 0; i < mask.length; i++) if (proposal.mask[i]) mask[i] = 1;
    return false;
  });

  /** A track also keeps patches its propagation is sure of, unless another object claims them. */
  const keepPropagated = (frame: FrameState): void => {
    const claimed = new Uint8Array(frame.rows * frame.cols);
    for (const mask of frame.masks.values()) for (let i = 0; i < claimed.length; i++) claimed[i] += mask[i];
    for (const [id, mask] of frame.masks) {
      const soft = frame.propagated.get(id);
      if (!soft) continue;
      for (let i = 0; i < mask.length; i++) if (!mask[i] && !claimed[i] && soft[i] >= tuning.keepSoft) mask[i] = 1;
    }
  };

  /** New objects: candidates that behaved like objects for the birth window, while there is room. */
  const giveBirth = (frame: FrameState, free: Proposal[], ready: (c: Candidate) => boolean): BackfillFrame[] => {
    const objectLike = (p: Proposal): boolean => isObjectLike(measure(frame, p), tuning);
    candidates = advanceCandidates(candidates, free, frame.index, objectLike, { candidateIou: tuning.candidateIou, mergeCosine: tuning.mergeCosine, persistCosine: tuning.persistCosine, historyFrames: birthFrames - 1 });
    const backfill: BackfillFrame[] = [];
    // Largest first, so that a piece of an object born in the same frame joins it (absorbPieces) instead.
    const born = new Set<Candidate>();
    for (const candidate of [...candidates].sort((a, b) => b.proposal.area - a.proposal.area)) {
      // Part of a hidden object coming back looks only partly like it: wait until it can be re-identified
      // (by a track that may still take it: not hidden too long for a view this large).
      const maybeReturning = tracks.some((t) => t.motion.missing > 0 && dot(t.prototype, candidate.proposal.prototype) >= tuning.holdCosine
        && getHiddenFrames(t.motion.missing, t.fade, candidate.proposal.area) <= occlusionFrames);
      if (!ready(candidate) || maybeReturning || tracks.length >= options.maxObjects) continue;
      born.add(candidate);
      if (absorbPieces(frame, [candidate.proposal]).length) backfill.push(...bear(frame, candidate));
    }
    candidates = candidates.filter((c) => !born.has(c));
    return backfill;
  };

  return {
    lookBack: birthFrames - 1,
    async update(features: FrameFeatures): Promise<FrameResult> {
      const { rows, cols, heads, dim } = features;
      last = { rows, cols };
      framesSeen++;
      // [n, dim] unit rows
      // Regions, objectness and identity compare tokens relative to the frame's mean (their
      // cosine thresholds then mean the same whatever the model shares across patches);
      // label propagation ranks neighbours as DINO does, on the tokens themselves.
      const tokens = centreAndNormalizeRows(features.patchTokens, dim); // [n, dim] unit rows
      const propagationTokens = normalizeRows(features.patchTokens, dim); // [n, dim] unit rows
      const proposals = getProposals(features.clsAttention, tokens, { rows, cols, heads, dim, threshold: options.threshold, minPatches: tuning.minPatches, splitCosine: tuning.splitCosine, growCosine: tuning.growCosine, headLift: tuning.foregroundLift, singleHeadLift: tuning.singleHeadLift });
      const propagated = await propagateMasks(propagationTokens, context, { rows, cols, dim, radius: tuning.radius, topK: tuning.topK, temperature: tuning.temperature }, options.similarity);
      const frame: FrameState = { index: features.index, step: framesSeen, rows, cols, tokens, attention: features.clsAttention, heads, dim, propagated, masks: new Map(), scores: new Map() };

      for (const track of tracks) track.before = undefined;
      let free = follow(frame, proposals);
      free = reidentify(frame, free);
      free = absorbPieces(frame, free);
      keepSharing(frame);
      keepPropagated(frame);
      const births = giveBirth(frame, free, (c) => isReadyToBeBorn(c, birthFrames));

      // Tracks without evidence are hidden; hidden too long, they end (their id is never reused).
      // The clock starts when the last visible part vanishes, not at the last sighting (see fading.ts).
      for (const track of tracks) {
        if (frame.masks.has(track.id)) continue;
        track.motion = missMotion(track.motion);
        track.merged = false;
        if (track.motion.missing === 1) track.fade = getFade(track.sightings, tuning.partialShare);
      }
      tracks = tracks.filter((t) => getHiddenFrames(t.motion.missing, t.fade) <= occlusionFrames);

      context.push({ tokens: propagationTokens, masks: new Map([...frame.masks].map(([id, m]) => [id, Float32Array.from(m)])) });
      if (context.length > tuning.contextFrames) context = context.slice(-tuning.contextFrames);

      const labels = paintLabels(frame.masks, rows, cols, width, height);
      const visible = describeLabels(labels, width, height, frame.scores);
      const hiddenObjects = tracks
        .filter((t) => t.motion.missing > 0)
        .map((t) => ({ id: t.id, area: 0, bbox: [0, 0, 0, 0] as [number, number, number, number], score: 0, occluded: true }));
      // The patch masks labels were painted from, as the soft masks pixel refinement starts from.
      const soft = new Map([...frame.masks].map(([id, mask]) => [id, Float32Array.from(mask)])); // id → [rows*cols]
      const result: FrameResult = { index: features.index, width, height, labels, objects: [...visible, ...hiddenObjects].sort((a, b) => a.id - b.id), attention: averageHeads(features.clsAttention, heads), rows, cols, soft };
      if (births.length) result.births = births;
      return result;
    },

    /** A clip shorter than the birth window: candidates seen (as objects) in every one of its frames are born, painted into all of them. */
    async finish(): Promise<BackfillFrame[]> {
      if (!last || framesSeen >= birthFrames) return [];
      const { rows, cols } = last;
      const backfill: BackfillFrame[] = [];
      for (const candidate of candidates) {
        if (candidate.objectLike < framesSeen || tracks.length >= options.maxObjects) continue;
        const id = nextId++;
        tracks.push({ id, prototype: candidate.proposal.prototype, motion: startMotion(candidate.proposal.centre, candidate.proposal.area), unattended: 0, sightings: [], merged: false });
        for (const { index, mask } of [...candidate.history, { index: candidate.index, mask: candidate.proposal.mask }]) {
          backfill.push({ index, labels: paintLabels(new Map([[id, mask]]), rows, cols, width, height), soft: new Map([[id, Float32Array.from(mask)]]) });
        }
      }
      candidates = [];
      return backfill;
    },
  };
}
