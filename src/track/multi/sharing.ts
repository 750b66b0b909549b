import type { Proposal } from '../proposals.js';
import { predictCentre, type Motion } from './motion.js';
import type { MultiTrackerTuning } from './tuning.js';

// Two objects in one region (look-alikes crossing), and pieces of one object in several.

/** Another track, seen lately, expected inside this proposal: two objects merged into one region. */
export function findSharer<T extends { motion: Motion }>(proposal: Proposal, owner: T, tracks: T[], rows: number, cols: number, tuning: Pick<MultiTrackerTuning, 'coastFrames' | 'hiddenVelocityDecay'>): T | undefined {
  return tracks.find((t) => {
    if (t === owner || t.motion.missing > tuning.coastFrames) return false;
    const [r, c] = predictCentre(t.motion, tuning.hiddenVelocityDecay).map(Math.round);
    return r >= 0 && r < rows && c >= 0 && c < cols && proposal.mask[r * cols + c] === 1;
  });
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

/** Whether two patch masks overlap or share an edge. */
export function touches(a: Uint8Array, b: Uint8Array, rows: number, cols: number): boolean {
  for (let i = 0; i < a.length; i++) {
    if (!a[i]) continue;
    if (b[i]) return true;
    const r = Math.floor(i / cols);
    const c = i % cols;
    if ((r > 0 && b[i - cols]) || (r < rows - 1 && b[i + cols]) || (c > 0 && b[i - 1]) || (c < cols - 1 && b[i + 1])) return true;
  }
  return false;
}
