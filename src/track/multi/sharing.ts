import { dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import { predictCentre, type Motion } from './motion.js';
import { getPatchBox } from './painting.js';
import type { MultiTrackerTuning } from './tuning.js';

// Two objects in one region (look-alikes crossing), and pieces of one object in several.

/**
 * Whether a track is expected inside this patch mask: most of what label propagation carried
 * of it lies inside (it was seen, or shared a region, in the last frames), or, for a track
 * hidden up to `coastFrames`, its predicted centre does.
 */
export function isExpectedIn(track: { id: number; motion: Motion }, mask: Uint8Array, propagated: Map<number, Float32Array>, cols: number, tuning: Pick<MultiTrackerTuning, 'coastFrames' | 'hiddenVelocityDecay' | 'shareOverlap'>): boolean {
  const rows = mask.length / cols;
  const soft = propagated.get(track.id);
  if (soft && getShareInside(soft, mask) >= tuning.shareOverlap) return true;
  if (track.motion.missing > tuning.coastFrames) return false;
  const [r, c] = predictCentre(track.motion, tuning.hiddenVelocityDecay).map(Math.round);
  return r >= 0 && r < rows && c >= 0 && c < cols && mask[r * cols + c] === 1;
}

/** Another track expected inside this proposal (two objects merged into one region); tracks in `taken` have their own region this frame. */
export function findSharer<T extends { id: number; motion: Motion }>(proposal: Proposal, owner: T, tracks: T[], taken: (t: T) => boolean, propagated: Map<number, Float32Array>, cols: number, tuning: Pick<MultiTrackerTuning, 'coastFrames' | 'hiddenVelocityDecay' | 'shareOverlap'>): T | undefined {
  return tracks.find((t) => t !== owner && !taken(t) && isExpectedIn(t, proposal.mask, propagated, cols, tuning));
}

/** Share of a soft mask's mass inside a patch mask (0 when it has none). */
export function getShareInside(soft: Float32Array, mask: Uint8Array): number {
  let inside = 0;
  let total = 0;
  for (let i = 0; i < soft.length; i++) {
    total += soft[i];
    if (mask[i]) inside += soft[i];
  }
  return total > 0 ? inside / total : 0;
}

/** A coasting centre kept within the box of the region that holds it (the region is evidence of where it is). */
export function clampToRegion(centre: [number, number], mask: Uint8Array, cols: number): [number, number] {
  let [r0, c0, r1, c1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / cols);
    const c = i % cols;
    [r0, c0, r1, c1] = [Math.min(r0, r), Math.min(c0, c), Math.max(r1, r), Math.max(c1, c)];
  }
  if (r1 < 0) return centre;
  return [Math.min(r1, Math.max(r0, centre[0])), Math.min(c1, Math.max(c0, centre[1]))];
}

/** Splits a merged region between two tracks: each patch goes to the track whose predicted centre is nearer, in track radii. */
export function splitByPrediction(mask: Uint8Array, cols: number, a: Motion, b: Motion, decay: number): [Uint8Array, Uint8Array] {
  const [ca, cb] = [predictCentre(a, decay), predictCentre(b, decay)];
  const [ra, rb] = [Math.sqrt(Math.max(1, a.area)), Math.sqrt(Math.max(1, b.area))];
  const first = new Uint8Array(mask.length);
  const second = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / cols);
    const c = i % cols;
    if (Math.hypot(r - ca[0], c - ca[1]) / ra <= Math.hypot(r - cb[0], c - cb[1]) / rb) first[i] = 1;
    else second[i] = 1;
  }
  return [first, second];
}

/**
 * Whether a region is thin: under two patches thick on average along its longer side (area
 * under twice the length of its box). A part thinner than a patch at a slant is cut into such
 * pieces; an object's compact region (a square 3 patches across) is not.
 */
export function isThin(mask: Uint8Array, area: number, rows: number, cols: number): boolean {
  const box = getPatchBox(mask, rows, cols);
  return box !== undefined && area < 2 * Math.max(box[2] - box[0] + 1, box[3] - box[1] + 1);
}

/**
 * Whether a region is a piece of an object with look `prototype` and patches `region`: like it
 * as a touching piece must be (`touchCosine`), and touching it at an edge, or also at a corner
 * (`corners`; callers ask that only of a thin piece).
 */
export function isTouchingPiece(prototype: Float32Array, region: Uint8Array, piece: Proposal, rows: number, cols: number, touchCosine: number, corners: boolean): boolean {
  return dot(prototype, piece.prototype) >= touchCosine && touches(piece.mask, region, rows, cols, corners);
}

/**
 * Whether two patch masks overlap or meet at an edge, or also at a corner (`corners`). A corner
 * counts where nothing else does: a thin part at a slant (an arm, a pole, a leg thinner than a
 * patch) covers the patches along it corner to corner, and the grid cuts it into pieces that
 * meet only there.
 */
export function touches(a: Uint8Array, b: Uint8Array, rows: number, cols: number, corners = false): boolean {
  for (let i = 0; i < a.length; i++) {
    if (!a[i]) continue;
    const r = Math.floor(i / cols);
    const c = i % cols;
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        if (!corners && dr !== 0 && dc !== 0) continue;
        const rr = r + dr;
        const cc = c + dc;
        if (rr >= 0 && rr < rows && cc >= 0 && cc < cols && b[rr * cols + cc]) return true;
      }
    }
  }
  return false;
}
