import { getMaskIou } from '../mask-iou.js';
import { dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import { assignGreedy } from './assignment.js';
import { countPatches } from './painting.js';

/** A region not (yet) tracked, followed over consecutive frames until it proves to be an object. */
export interface Candidate {
  /** The frame it was last seen in. */
  index: number;
  proposal: Proposal;
  /** Consecutive frames it was seen, looking alike from frame to frame. */
  seen: number;
  /** Consecutive frames, up to this one, in which it looked like an object. */
  objectLike: number;
  /** Its patch masks in the frames before this one while it persisted (at most `paintBackFrames`), for painting them once it is born. */
  history: { index: number; mask: Uint8Array }[];
  /** The track it was mostly part of in the frame before it was first seen (it split off that track's object), if any. */
  splitFrom?: number;
}

export interface CandidateRule {
  candidateIou: number;
  mergeCosine: number;
  persistCosine: number;
  /** Frames of history kept (`paintBackFrames`: at least the birth window less one). */
  historyFrames: number;
}

/**
 * This frame's candidates: each free proposal continues the previous frame's candidate it
 * overlaps (or closely resembles); a candidate whose appearance jumped starts over.
 */
export function advanceCandidates(previous: Candidate[], free: Proposal[], index: number, isObjectLike: (p: Proposal) => boolean, rule: CandidateRule): Candidate[] {
  const paired = assignGreedy(previous, free, (candidate, proposal) => {
    const iou = getMaskIou(proposal.mask, candidate.proposal.mask);
    const cosine = dot(candidate.proposal.prototype, proposal.prototype);
    return iou >= rule.candidateIou || cosine >= rule.mergeCosine ? iou + cosine : undefined;
  });
  return free.map((proposal) => {
    const before = paired.find(([, q]) => q === proposal)?.[0];
    const objectLike = isObjectLike(proposal) ? 1 : 0;
    if (!before || dot(before.proposal.prototype, proposal.prototype) < rule.persistCosine) return { index, proposal, seen: 1, objectLike, history: [] };
    const history = [...before.history, { index: before.index, mask: before.proposal.mask }].slice(-rule.historyFrames);
    return { index, proposal, seen: before.seen + 1, objectLike: objectLike ? before.objectLike + 1 : 0, history, splitFrom: before.splitFrom };
  });
}

/** Object-like in every frame of the birth window. */
export function isReadyToBeBorn(candidate: Candidate, birthFrames: number): boolean {
  return candidate.objectLike >= birthFrames;
}

/**
 * Whether a candidate may still be an object coming into view: larger now than when first seen
 * in its history, by more than `growth` over a whole history (`historyFrames`), pro rata over
 * a shorter one. An object re-emerging from behind a wall or an edge grows until it is out;
 * one that does not grow is all there is of it.
 */
export function isEmerging(candidate: Candidate, historyFrames: number, growth: number): boolean {
  if (candidate.history.length === 0) return true;
  const before = countPatches(candidate.history[0].mask);
  const share = Math.min(1, candidate.history.length / historyFrames);
  return candidate.proposal.area > (1 + (growth - 1) * share) * before;
}

/**
 * Whether a candidate is going out of view rather than coming into it: over the birth window
 * (`birthFrames`, this frame included) it never grew, and it is now smaller than `share` of
 * what it was, as the trailing side of an object passing behind a pillar shrinks until it is
 * gone. A region whose size only jumps about (a small object's, in noisy attention) is not.
 */
export function isReceding(candidate: Candidate, birthFrames: number, share: number): boolean {
  const sizes = [...candidate.history.slice(-(birthFrames - 1)).map((h) => countPatches(h.mask)), candidate.proposal.area];
  return sizes.every((size, k) => k === 0 || size <= sizes[k - 1]) && candidate.proposal.area < share * sizes[0];
}

/**
 * Whether a candidate, seen for at least the birth window, is no larger now than when it was
 * first seen (its whole history): a sliver of an object's trailing side left beside a pillar
 * holds its size for a while before it goes (5, 5, 4 patches on probe scene 5720), which
 * isReceding's share does not see within the birth window. Its first and last sizes only: a
 * patch the grid adds or drops on the way is noise, not growth.
 */
export function hasNotGrown(candidate: Candidate, birthFrames: number): boolean {
  const first = candidate.history[0];
  return first !== undefined && candidate.history.length >= birthFrames - 1 && candidate.proposal.area <= countPatches(first.mask);
}
