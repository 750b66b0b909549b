import { dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import type { Candidate } from './births.js';
import type { Track } from './state.js';
import { countPatches, getPatchBox } from './painting.js';
import type { MultiTrackerTuning } from './tuning.js';

/** Patches between two boxes, along the axis they are furthest apart on (0 when they overlap or touch). */
function getBoxGap(a: [number, number, number, number], b: [number, number, number, number]): number {
  const rows = Math.max(0, b[0] - a[2] - 1, a[0] - b[2] - 1);
  const cols = Math.max(0, b[1] - a[3] - 1, a[1] - b[3] - 1);
  return Math.max(rows, cols);
}

/**
 * Whether the region is cut by the frame's edge on the side away from the other box (an
 * object entering the frame behind a pillar: its near side at the edge, its far side beyond
 * the pillar), so that the object may be larger than the track has seen.
 */
function isCutAwayFrom(own: [number, number, number, number], other: [number, number, number, number], rows: number, cols: number): boolean {
  const [top, left, bottom, right] = own;
  return (left === 0 && other[1] > right) || (right === cols - 1 && other[3] < left) || (top === 0 && other[0] > bottom) || (bottom === rows - 1 && other[2] < top);
}

/**
 * How wide an object is, in patches: the diameter of `peak` patches (the largest it has been),
 * or the length of its region now, box `own`, where that is more (an elongated object; one cut
 * by the frame's edge across).
 */
function getObjectWidth(own: [number, number, number, number], peak: number, span = 0): number {
  return Math.max(2 * Math.sqrt(peak / Math.PI), own[2] - own[0] + 1, own[3] - own[1] + 1, span);
}

type Box = [number, number, number, number];

/**
 * The boxes of the track's region and of `proposal` when `proposal` could be a side of the
 * track's object: it looks like one (`sideCosine`: a side looks only partly like the whole) and
 * lies no further from the track's region than the object is wide; undefined otherwise.
 */
function getNearSideBoxes(track: Track, region: Uint8Array, proposal: Proposal, rows: number, cols: number, tuning: MultiTrackerTuning): { own: Box; other: Box } | undefined {
  if (dot(track.prototype, proposal.prototype) < tuning.sideCosine) return undefined;
  const own = getPatchBox(region, rows, cols);
  const other = getPatchBox(proposal.mask, rows, cols);
  if (!own || !other || getBoxGap(own, other) > getObjectWidth(own, Math.max(track.peakArea ?? 0, track.motion.area), track.span?.length)) return undefined;
  return { own, other };
}

/** Whether `proposal` could be a side of the track's object (`getNearSideBoxes`). */
export function isNearSide(track: Track, region: Uint8Array, proposal: Proposal, rows: number, cols: number, tuning: MultiTrackerTuning): boolean {
  return getNearSideBoxes(track, region, proposal, rows, cols, tuning) !== undefined;
}

/**
 * Whether `proposal`, apart from the track's own region, is the other side of the same
 * object: an object passing behind a pillar narrower than it shows on both sides. It is where
 * the object's far side can be (no further from the region than the object is wide), looks
 * partly like the object (one side of an object looks only partly like the whole), the track's
 * region is a partial view, and the two sides together are no larger than the object has been;
 * where the region is cut by the frame's edge behind it (which may hide as much again), the far
 * side is no larger than the side in view. A look-alike beside an object in full view, or
 * beside one cut by the frame's edge, is not taken for a side.
 */
export function isOtherSide(track: Track, region: Uint8Array, proposal: Proposal, rows: number, cols: number, tuning: MultiTrackerTuning): boolean {
  const boxes = getNearSideBoxes(track, region, proposal, rows, cols, tuning);
  if (!boxes) return false;
  const { own, other } = boxes;
  const peak = Math.max(track.peakArea ?? 0, track.motion.area);
  const area = countPatches(region);
  // Cut by the frame's edge, the object may be larger than the track has seen: its far side
  // is taken while it is no larger than the side in view (a look-alike beside it is larger).
  if (isCutAwayFrom(own, other, rows, cols)) return proposal.area <= area;
  // A side of an object in full view now is all there is of it in view (an object that has
  // been larger, moving away, would otherwise take a look-alike beside it).
  return area < tuning.partialShare * track.motion.area && area + proposal.area <= tuning.otherSideShare * peak;
}

/**
 * Whether `proposal` and the track's region are the two sides of one object across something
 * in front of it: they look alike (`sideCosine`), lie side by side (overlapping across the gap
 * by at least `alignShare` of the shorter: the same rows for an upright pillar), the gap is no
 * longer than the two sides together (the pillar hides less than the object shows), and an
 * object's region (`getOccupied`: tracks', and proposals attended as objects are) fills it on
 * every line across it, but for `bridgeEdgePatches` at each of its edges (patches half
 * occluder, half background, which neither region takes), and on a line past the sides at one
 * end at least: what cuts an object in two reaches beyond it, as a pillar does, where a
 * neighbour of the same height does not (a row of parked cars, people shoulder to shoulder).
 * For a track born in this frame (`bornNow`), or born so and not seen whole since
 * (`bornSplit`), whatever its size: an object first seen already split has no whole view to
 * judge by (isOtherSide). For any other track only while its region is a partial view, as for
 * isOtherSide (a look-alike stepping out beyond an object beside a track in full view is
 * another object).
 */
export function isBridgedSide(track: Track, region: Uint8Array, proposal: Proposal, getOccupied: () => Uint8Array, rows: number, cols: number, tuning: MultiTrackerTuning, bornNow: boolean): boolean {
  if (dot(track.prototype, proposal.prototype) < tuning.sideCosine) return false;
  const own = getPatchBox(region, rows, cols);
  const other = getPatchBox(proposal.mask, rows, cols);
  if (!own || !other) return false;
  const gap = getGap(own, other, cols, rows);
  if (!gap || gap.across < tuning.alignShare || gap.steps[1] - gap.steps[0] + 1 > gap.sides) return false;
  if (!bornNow && !track.bornSplit && countPatches(region) >= tuning.partialShare * track.motion.area) return false;
  const occupied = getOccupied();
  const isFilled = (line: number): boolean => {
    let covered = 0;
    for (let step = gap.steps[0]; step <= gap.steps[1]; step++) {
      const i = gap.at(line, step);
      if (occupied[i] && !region[i] && !proposal.mask[i]) covered++;
    }
    return covered > 0 && gap.steps[1] - gap.steps[0] + 1 - covered <= 2 * tuning.bridgeEdgePatches;
  };
  for (let line = gap.lines[0]; line <= gap.lines[1]; line++) if (!isFilled(line)) return false;
  const [before, after] = [gap.outer[0] - 1, gap.outer[1] + 1];
  return (before >= 0 && isFilled(before)) || (after < gap.lineCount && isFilled(after));
}

/**
 * Whether `proposal` is still a part of the object the track held in its last frame: it lies
 * mostly (`continuedShare` of it) inside the track's own region then and looks like the track
 * as a stray piece touching it must (`touchCosine`: two-patch fragments of background barely
 * like it were taken on bench:heldout's scenes at `sideCosine`), or it covers that share of the
 * pieces the track took then, having taken pieces `continuedFrames` frames in a row, and looks
 * like a side of it (`sideCosine`). As for isOtherSide, it is no further from the track's
 * region now than the object is wide (two objects that were one region and part are two once
 * they are further apart than that), and, but where the track's region is cut by the frame's
 * edge behind it, the two together are no larger than `otherSideShare` of the most the track
 * has held in one frame, its pieces included (a look-alike following it, or one that was
 * beside it, doubles it); a side is continued only while the track's region is partial or so
 * cut (a review's look-alikes, each taken once, were otherwise kept for good). Where the track now follows another part of
 * the object (the far side of an object coming out from behind a pillar), the side it left is
 * still the object's; and the far side grows past the side in view, which isOtherSide's size
 * test for an object cut by the frame's edge would refuse. Not held: what only propagation gave
 * the track (a look-alike beside it that propagation reached), and a piece taken in one frame
 * only (a look-alike taken once, beside a sliver of a hidden object, stays free to be born).
 */
export function isContinuedSide(track: Track, region: Uint8Array, proposal: Proposal, rows: number, cols: number, tuning: MultiTrackerTuning): boolean {
  const cosine = dot(track.prototype, proposal.prototype);
  if (!track.held || cosine < tuning.sideCosine) return false;
  const own = getPatchBox(region, rows, cols);
  const other = getPatchBox(proposal.mask, rows, cols);
  // Seen in parts, an object is as large as the most the track has held, its parts together.
  const peak = Math.max(track.peakArea ?? 0, track.motion.area, track.peakHeld ?? 0);
  if (!own || !other || getBoxGap(own, other) > getObjectWidth(own, peak, track.span?.length)) return false;
  const area = countPatches(region);
  // Cut by the frame's edge behind it, the object may be larger than the track has held (as for isOtherSide).
  const cutAway = isCutAwayFrom(own, other, rows, cols);
  if (!cutAway && area + proposal.area > tuning.otherSideShare * (track.peakHeld ?? 0)) return false;
  let inHeld = 0;
  let pieces = 0;
  let onPieces = 0;
  for (let i = 0; i < proposal.mask.length; i++) {
    inHeld += proposal.mask[i] & track.held[i];
    if (!track.pieces?.[i]) continue;
    pieces++;
    onPieces += proposal.mask[i];
  }
  if (cosine >= tuning.touchCosine && inHeld >= tuning.continuedShare * proposal.area) return true;
  // A side is continued only while isOtherSide's view of the track holds: its region partial,
  // or cut by the frame's edge behind it; once the object is whole in view, it is all there is.
  // An object seen coming out beyond a pillar wider than its near side (`span`) is partial
  // against the most it has held, both sides together: its near side, going in behind the
  // pillar, was the most the track had seen of it until then.
  const sideView = cutAway || area < tuning.partialShare * track.motion.area || (track.span !== undefined && area < tuning.partialShare * (track.peakHeld ?? 0));
  return sideView && pieces > 0 && (track.pieceFrames ?? 0) >= tuning.continuedFrames && onPieces >= tuning.continuedShare * pieces;
}

/** When a track's footprint is taken again (tuning.ts footprintRefresh). */
export interface FootprintRule {
  step: number;
  refresh: number;
  /** Steps a footprint is kept without a near-full view (--occlusion-frames). */
  maxAge: number;
}

/**
 * Keeps what the track held this frame (region and pieces) as its footprint when it is at
 * least `refresh` of the footprint, or the footprint is older than `maxAge`: a view partly
 * hidden does not replace the whole.
 */
export function rememberFootprint_(track: Track, region: Uint8Array, pieces: Uint8Array | undefined, rule: FootprintRule): void {
  const mask = pieces ? region.map((v, i) => v | pieces[i]) : Uint8Array.from(region);
  const area = countPatches(mask);
  const old = track.footprint;
  if (old && area < rule.refresh * old.area && rule.step - old.step <= rule.maxAge) return;
  track.footprint = { mask, area, centre: [track.motion.centre[0], track.motion.centre[1]], step: rule.step };
}

/** How many of the mask's patches lie in `footprint` moved by (dr, dc) patches. */
function countInside(mask: Uint8Array, footprint: Uint8Array, dr: number, dc: number, rows: number, cols: number): number {
  let inside = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / cols) - dr;
    const c = (i % cols) - dc;
    if (r >= 0 && r < rows && c >= 0 && c < cols && footprint[r * cols + c]) inside++;
  }
  return inside;
}

/**
 * Whether `proposal`, apart from the track's region, is a part of its object coming back into
 * view from behind something in front of it: it lies mostly (`continuedShare`) inside the
 * track's footprint, where it was or moved as the track's centre has moved since (an object
 * hidden a little more each frame drags its centre, and its velocity, towards the part in
 * view), the track's own region lies in that placement too (the object is still there: a
 * review's look-alike stepping out where a person had stood before walking on behind a van
 * took the person's id), and another object's region (`others`: the other tracks' this frame)
 * lies over it; it looks like the track as a touching piece must (`touchCosine`);
 * and with the track's region it is no larger than `otherSideShare` of the footprint. A parked
 * car that a walker hid gradually (so that no view looked partial against its shrinking usual
 * size) takes back the part the walker uncovers; a look-alike walking in behind an object,
 * where nothing is in front of it, does not.
 */
export function isHiddenPart(track: Track, region: Uint8Array, proposal: Proposal, others: Uint8Array[], rows: number, cols: number, tuning: MultiTrackerTuning): boolean {
  const footprint = track.footprint;
  if (!footprint || dot(track.prototype, proposal.prototype) < tuning.touchCosine) return false;
  if (countPatches(region) + proposal.area > tuning.otherSideShare * footprint.area) return false;
  const needed = tuning.continuedShare * proposal.area;
  const moved = [Math.round(track.motion.centre[0] - footprint.centre[0]), Math.round(track.motion.centre[1] - footprint.centre[1])];
  return [[0, 0], moved].some(([dr, dc]) => countInside(proposal.mask, footprint.mask, dr, dc, rows, cols) >= needed
    && countInside(region, footprint.mask, dr, dc, rows, cols) > 0
    && others.some((other) => countInside(other, footprint.mask, dr, dc, rows, cols) > 0));
}

/** Which side of box `own` box `other` lies on: the index in `other` of its edge facing `own`. */
function getFacingEdge(own: Box, other: Box): 0 | 1 | 2 | 3 {
  if (other[1] > own[3]) return 1;
  if (other[3] < own[1]) return 3;
  return other[0] > own[2] ? 0 : 2;
}

/**
 * Whether `candidate`, ready to be born apart from the track's region, is the far side of the
 * track's object coming out from behind something wider than the track has shown of it (a
 * pillar wider than the side in view: isOtherSide's width bound cannot tell that gap from the
 * one between two objects). Over the candidate's frames the track's region shrank (the near
 * side going behind the pillar) while the candidate grew with its edge facing the track in
 * place (coming out from behind the pillar's far edge, as one object moving on), from a sliver
 * (by `emergingSideGrowth`: a look-alike that appears whole only wavers in size); the two lie
 * side by side across a gap, overlapping across it by `alignShare`, and it looks like a side
 * of the object (`sideCosine`). A look-alike coming out beside a track that does not shrink,
 * or walking in from elsewhere (its facing edge moves with it), is not. `step` is this
 * frame's (the track's sightings are counted in steps).
 */
export function isEmergingSide(track: Track, region: Uint8Array, candidate: Candidate, step: number, rows: number, cols: number, tuning: MultiTrackerTuning): boolean {
  if (dot(track.prototype, candidate.proposal.prototype) < tuning.sideCosine) return false;
  const own = getPatchBox(region, rows, cols);
  const other = getPatchBox(candidate.proposal.mask, rows, cols);
  if (!own || !other) return false;
  const gap = getGap(own, other, cols, rows);
  if (!gap || gap.across < tuning.alignShare) return false;
  // What comes in through the frame's edge is not coming out from behind a pillar.
  if (isCutAwayFrom(other, own, rows, cols)) return false;
  // The near side goes behind the pillar (it shrank over the candidate's frames: smaller at the
  // end than at the start and never larger than at the start, as a region on the patch grid
  // wavers by a patch on the way: 50, 38, 39 patches on probe scene 5218, where a strict
  // decrease refused the far side, which was born and swapped the object with the track 13
  // times), or is cut by the frame's edge behind it (an object still coming in, larger than it
  // has shown); and it ends at the pillar as before.
  const frames = candidate.history.length + 1;
  const sizes = track.sightings.filter((s) => s.step > step - frames).map((s) => s.area);
  const shrank = sizes.length === frames && sizes.every((size) => size <= sizes[0]) && sizes[frames - 1] < sizes[0];
  if (!shrank && !isCutAwayFrom(own, other, rows, cols)) return false;
  const edge = getFacingEdge(own, other);
  const nearEdge = edge ^ 2; // the track's edge facing the candidate: the opposite side of its box
  // In place but for the patch the grid can split at the pillar's edge (`bridgeEdgePatches`).
  const held = track.held && getPatchBox(track.held, rows, cols);
  if (!held || Math.abs(held[nearEdge] - own[nearEdge]) > tuning.bridgeEdgePatches) return false;
  const inPlace = candidate.history.every(({ mask }) => {
    const box = getPatchBox(mask, rows, cols);
    return box !== undefined && Math.abs(box[edge] - other[edge]) <= tuning.bridgeEdgePatches;
  });
  return inPlace && candidate.proposal.area >= tuning.emergingSideGrowth * countPatches(candidate.history[0]?.mask ?? candidate.proposal.mask);
}

/**
 * How wide the object is across the track's region and its far side `side` together, along the
 * axis they lie apart on (`length`), and where the far side's edge facing the region is: the
 * pillar's far edge (`edge`, its index in a box; `at`, the row or column).
 */
export function measureSpan(region: Uint8Array, side: Uint8Array, rows: number, cols: number): { length: number; edge: 0 | 1 | 2 | 3; at: number } | undefined {
  const own = getPatchBox(region, rows, cols);
  const other = getPatchBox(side, rows, cols);
  if (!own || !other) return undefined;
  const edge = getFacingEdge(own, other);
  const length = edge === 1 || edge === 3 ? Math.max(own[3], other[3]) - Math.min(own[1], other[1]) + 1 : Math.max(own[2], other[2]) - Math.min(own[0], other[0]) + 1;
  return { length, edge, at: other[edge] };
}

/**
 * Whether the two sides of an object seen across a pillar (`span`) still move as one passing
 * behind it, after this frame's `held` (its own region, the near side) and `pieces` (the far
 * side). An object passing behind a pillar shows its near side smaller or its far side larger
 * than ever before every frame it moves a patch, and its far side stays at the pillar's edge
 * (or, once the track follows the far side, its own region does). A look-alike that came out
 * beside a still object and stopped shows neither within `stillFrames`, and one that walks on
 * leaves the pillar's edge (`edgePatches` either way): either is released (`span` dropped: the
 * side bounds then hold it apart, and it is born). Updates the track's record of the two sizes.
 */
export function keepSpan_(track: Track, held: Uint8Array | undefined, pieces: Uint8Array | undefined, rule: { rows: number; cols: number; stillFrames: number; edgePatches: number }): void {
  const { span } = track;
  if (span === undefined) return;
  const near = held ? countPatches(held) : 0;
  const far = pieces ? countPatches(pieces) : 0;
  const sides = track.spanSides ?? { near, far, still: 0 };
  const moved = near < sides.near || far > sides.far;
  track.spanSides = { near: Math.min(near, sides.near), far: Math.max(far, sides.far), still: moved ? 0 : sides.still + 1 };
  const atPillar = (mask: Uint8Array | undefined): boolean => {
    const box = mask && getPatchBox(mask, rule.rows, rule.cols);
    return box !== undefined && Math.abs(box[span.edge] - span.at) <= rule.edgePatches;
  };
  const walkedOn = pieces !== undefined && !atPillar(pieces) && !atPillar(held);
  if (track.spanSides.still > rule.stillFrames || walkedOn) [track.span, track.spanSides] = [undefined, undefined];
}

/** The patches between two boxes: lines across the gap, steps along each, and the patch index of (line, step). */
interface Gap {
  /** The lines both boxes hold. */
  lines: [number, number];
  /** The lines either box holds. */
  outer: [number, number];
  /** Lines in the frame across the gap (rows for boxes side by side). */
  lineCount: number;
  steps: [number, number];
  at: (line: number, step: number) => number;
  /** How much the boxes overlap across the gap, as a share of the shorter. */
  across: number;
  /** The two boxes' lengths along the gap together. */
  sides: number;
}

/** The gap between two boxes apart along one axis and overlapping along the other; undefined where they touch, overlap or lie diagonally apart. */
function getGap(a: [number, number, number, number], b: [number, number, number, number], cols: number, rows: number): Gap | undefined {
  const overlap = (lo1: number, hi1: number, lo2: number, hi2: number): number => Math.min(hi1, hi2) - Math.max(lo1, lo2) + 1;
  const rowOverlap = overlap(a[0], a[2], b[0], b[2]);
  const colOverlap = overlap(a[1], a[3], b[1], b[3]);
  if (rowOverlap > 0 && colOverlap <= 0) {
    // Side by side: the lines are rows, the steps the columns between the boxes.
    const steps: [number, number] = a[3] < b[1] ? [a[3] + 1, b[1] - 1] : [b[3] + 1, a[1] - 1];
    const shorter = Math.min(a[2] - a[0], b[2] - b[0]) + 1;
    return { lines: [Math.max(a[0], b[0]), Math.min(a[2], b[2])], outer: [Math.min(a[0], b[0]), Math.max(a[2], b[2])], lineCount: rows, steps, at: (r, c) => r * cols + c, across: rowOverlap / shorter, sides: a[3] - a[1] + b[3] - b[1] + 2 };
  }
  if (colOverlap > 0 && rowOverlap <= 0) {
    const steps: [number, number] = a[2] < b[0] ? [a[2] + 1, b[0] - 1] : [b[2] + 1, a[0] - 1];
    const shorter = Math.min(a[3] - a[1], b[3] - b[1]) + 1;
    return { lines: [Math.max(a[1], b[1]), Math.min(a[3], b[3])], outer: [Math.min(a[1], b[1]), Math.max(a[3], b[3])], lineCount: cols, steps, at: (c, r) => r * cols + c, across: colOverlap / shorter, sides: a[2] - a[0] + b[2] - b[0] + 2 };
  }
  return undefined;
}
