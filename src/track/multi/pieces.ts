import { dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import type { Track } from './state.js';
import { getPatchBox } from './painting.js';
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
  if (dot(track.prototype, proposal.prototype) < tuning.sideCosine) return false;
  const own = getPatchBox(region, rows, cols);
  const other = getPatchBox(proposal.mask, rows, cols);
  if (!own || !other) return false;
  const peak = Math.max(track.peakArea ?? 0, track.motion.area);
  // How wide the object is: the diameter of the largest it has been, or the region's own
  // length where that is more (an elongated object; one cut by the frame's edge across).
  const width = Math.max(2 * Math.sqrt(peak / Math.PI), own[2] - own[0] + 1, own[3] - own[1] + 1);
  if (getBoxGap(own, other) > width) return false;
  let area = 0;
  for (let i = 0; i < region.length; i++) area += region[i];
  // Cut by the frame's edge, the object may be larger than the track has seen: its far side
  // is taken while it is no larger than the side in view (a look-alike beside it is larger).
  if (isCutAwayFrom(own, other, rows, cols)) return proposal.area <= area;
  // A side of an object in full view now is all there is of it in view (an object that has
  // been larger, moving away, would otherwise take a look-alike beside it).
  return area < tuning.partialShare * track.motion.area && area + proposal.area <= tuning.otherSideShare * peak;
}
