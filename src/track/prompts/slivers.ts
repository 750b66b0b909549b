import { dilatePatches } from '../multi/painting.js';
import type { Proposal } from '../proposals.js';
import { dot } from '../patch-features.js';
import { promptedTuning } from '../prompted-tuning.js';
import { getWinners } from '../reanchor.js';

/**
 * Objects a prompt marks by a sliver that covers no patch's centre: an object coming into the
 * frame, or out from behind a wall, marked as soon as it shows (a first-time user's 8-px-wide
 * red square at the frame's left edge). At the patch grid such a prompt does not mark the
 * object at all, so it had no label and no look, and was written on the prompted frame only,
 * silently. Instead it waits where it was marked, and takes the first attention region that
 * grows there as it comes into view.
 */

/** Where a sliver was marked. */
export interface SliverFootprint {
  /** The patches that hold any of its pixels. */
  core: Uint8Array;
  /** Those grown by one patch each way: where it will show next (an object moves less than a patch a frame where it grows out of a sliver). */
  grown: Uint8Array;
  /** How it stood out on the prompt (getPresence): a pale object's sliver stands out less than a vivid one's. */
  presence: number;
}

/**
 * Each id the prompt's pixels mark but its patch-grid labels do not, and where.
 * @param pixels the prompt `[height, width]`
 * @param grid the prompt at the patch grid `[rows, cols]`
 * @param getAttention the prompted frame's head-mean CLS attention, asked for only when there is a sliver
 */
export function getSliverFootprints(pixels: ArrayLike<number>, width: number, height: number, grid: Uint16Array, cols: number, rows: number, getAttention: () => Float32Array): Map<number, SliverFootprint> {
  const onGrid = new Set(grid);
  const footprints = new Map<number, Uint8Array>();
  for (let y = 0; y < height; y++) {
    const row = Math.min(rows - 1, Math.floor((y * rows) / height));
    for (let x = 0; x < width; x++) {
      const id = pixels[y * width + x];
      if (id === 0 || onGrid.has(id)) continue;
      let footprint = footprints.get(id);
      if (!footprint) footprints.set(id, (footprint = new Uint8Array(rows * cols)));
      footprint[row * cols + Math.min(cols - 1, Math.floor((x * cols) / width))] = 1;
    }
  }
  if (footprints.size === 0) return new Map();
  const attention = getAttention();
  return new Map([...footprints].map(([id, core]) => [id, { core, grown: dilatePatches(core, rows, cols, 1), presence: getPresence(core, attention) }]));
}

/** A sliver waiting to come into view. */
export interface PendingSliver extends SliverFootprint {
  /** Frames stepped since its prompt. */
  waited: number;
}

/** A sliver that has come into view: the region it took. */
export interface AdoptedSliver {
  id: number;
  prototype: Float32Array;
  patches: number;
}

/** What a waiting sliver's region is judged against. */
export interface SliverScene {
  /** The frame's attention regions. */
  regions: Proposal[];
  isObjectLike: (region: Proposal) => boolean;
  /** The frame's CLS attention, mean of the heads `[rows*cols]`. */
  attention: Float32Array;
  /** The prompt's tokens relative to its mean token `[rows*cols, dim]`, and their width. */
  promptTokens: Float32Array;
  dim: number;
}

/**
 * Gives each waiting sliver the object-like attention region that overlaps its footprint most:
 * its label there, one-hot, in place (later frames propagate from it). Not a region most of
 * which is another object's, nor one that was there on the prompt already (most of its patches
 * looked like it then: a wall the object comes out from behind is attended where the object
 * shows; bench:prompts' 204-occluder, prompted where its object 2 showed 13 px, took the wall).
 * A sliver waits `sliverWaitFrames` at most: later, what shows at its place is something else
 * (the same scene going backwards from that prompt, where object 2 was gone at once, took
 * object 1 coming out of that wall 29 frames before it). And it waits only while it is still
 * there: while the best attended of its own patches is at least `sliverPresence` times the
 * frame's mean patch, or at least `sliverFade` of what it was on the prompt (a pale object's
 * sliver stands out less than an average patch: a second review's was let go on the next frame).
 * Going the way it leaves view (backwards from an object coming in, forwards from one going
 * out), it is gone on the next frame and stops waiting; before, another object that left or
 * came through the same spot within the wait took its id (a review). It is a test of place,
 * not of identity: another object in those patches while it waits keeps it waiting. One that
 * propagation or re-anchoring gave `lostPatches` patches has come into view by itself and stops
 * waiting.
 * @param soft id → `[rows*cols]` soft labels, changed in place
 * @param pending changed in place: adopted ids, and those that waited too long or left view, leave it
 */
export function adoptSlivers_(soft: Map<number, Float32Array>, scene: SliverScene, pending: Map<number, PendingSliver>, lostPatches: number): AdoptedSliver[] {
  const n = soft.get(0)?.length ?? 0;
  const adopted: AdoptedSliver[] = [];
  const used = new Set<Proposal>();
  for (const [id, sliver] of pending) {
    const winner = getWinners(soft, n);
    let held = 0;
    for (let i = 0; i < n; i++) if (winner[i] === id) held++;
    const presence = getPresence(sliver.core, scene.attention);
    if (held >= lostPatches || ++sliver.waited > promptedTuning.sliverWaitFrames || presence < Math.min(promptedTuning.sliverPresence, promptedTuning.sliverFade * sliver.presence)) {
      pending.delete(id);
      continue;
    }
    let pick: Proposal | undefined;
    let pickOverlap = 0;
    for (const region of scene.regions) {
      if (used.has(region)) continue;
      let overlap = 0;
      let others = 0;
      for (let i = 0; i < n; i++) {
        if (!region.mask[i]) continue;
        if (sliver.grown[i]) overlap++;
        if (winner[i] > 0 && winner[i] !== id) others++;
      }
      if (overlap > pickOverlap && others <= region.area / 2 && !wasThere(region, scene) && scene.isObjectLike(region)) [pick, pickOverlap] = [region, overlap];
    }
    if (!pick) continue;
    used.add(pick);
    for (let i = 0; i < n; i++) {
      if (!pick.mask[i]) continue;
      for (const [other, grid] of soft) grid[i] = other === id ? 1 : 0;
    }
    pending.delete(id);
    adopted.push({ id, prototype: pick.prototype, patches: pick.area });
  }
  return adopted;
}

/** How much more attended than the frame's mean patch the best of a sliver's own patches is. */
function getPresence(core: Uint8Array, attention: Float32Array): number {
  let best = 0;
  let sum = 0;
  for (let i = 0; i < attention.length; i++) {
    sum += attention[i];
    if (core[i] && attention[i] > best) best = attention[i];
  }
  return sum > 0 ? (best * attention.length) / sum : 0;
}

/** Whether most of a region's patches looked like it on the prompt (cosine ≥ `matchCosine`): it is no newcomer. */
function wasThere(region: Proposal, scene: SliverScene): boolean {
  const { promptTokens, dim } = scene;
  let alike = 0;
  for (let i = 0; i < region.mask.length; i++) if (region.mask[i] && dot(region.prototype, promptTokens.subarray(i * dim, (i + 1) * dim)) >= promptedTuning.matchCosine) alike++;
  return alike > region.area / 2;
}
