import { getMaskIou } from './mask-iou.js';
import { dot, getMaskPrototype } from './patch-features.js';
import { getComponents, getProposals, type Proposal } from './proposals.js';
import { promptedTuning } from './prompted-tuning.js';

/** Beyond DINO's reference propagation: bring back an object the propagation lost. */
export interface ReanchorOptions {
  rows: number;
  cols: number;
  heads: number;
  dim: number;
  /** An object covering fewer patches than this is lost. */
  lostPatches: number;
  /** How like the annotated object a region must be to take its label. */
  matchCosine: number;
  /** The frame's regions when the caller already has them (they depend only on the frame; prompted mode passes the unsupervised tracker's proposals). */
  regions?: Proposal[];
  /** Share of attention mass kept when the regions are computed here (`--threshold`). */
  threshold?: number;
}

/** The frame's attention regions, grown by features, as prompted mode uses them; `threshold` is `--threshold`. */
export function getAttentionRegions(attention: Float32Array, tokens: Float32Array, options: { rows: number; cols: number; heads: number; dim: number; threshold?: number }): Proposal[] {
  const { defaultThreshold, minPatches, splitCosine, growCosine } = promptedTuning;
  return getProposals(attention, tokens, { ...options, threshold: options.threshold ?? defaultThreshold, minPatches, splitCosine, growCosine });
}

/** The label with the highest soft value at each patch (-1 where there is none): which objects still hold ground. */
export function getWinners(soft: Map<number, Float32Array>, n: number): Int32Array {
  const winner = new Int32Array(n).fill(-1);
  const best = new Float32Array(n).fill(-Infinity);
  for (const [id, grid] of soft) {
    for (let i = 0; i < n; i++) {
      if (grid[i] > best[i]) {
        best[i] = grid[i];
        winner[i] = id;
      }
    }
  }
  return winner;
}

/** Each object's unit mean feature in the annotated frame. */
export function getPrototypes(labels: Uint16Array, tokens: Float32Array, dim: number, ids: number[]): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  for (const id of ids) {
    if (id === 0) continue;
    const prototype = getMaskPrototype(tokens, dim, Uint8Array.from(labels, (v) => (v === id ? 1 : 0)));
    if (prototype) out.set(id, prototype);
  }
  return out;
}

/**
 * Label propagation only carries labels from nearby patches of recent frames, so an
 * object that was fully hidden, or came back somewhere else, is never found again.
 * For each object the propagation has lost, this looks at the frame's attention
 * proposals and gives the one most like the annotated object (if alike enough) that
 * object's label, one-hot, in place — later frames then propagate from it.
 * @param soft id → `[rows*cols]` propagated soft labels, changed in place
 * @returns the ids re-anchored in this frame
 */
export function reanchorLost_(soft: Map<number, Float32Array>, attention: Float32Array, tokens: Float32Array, prototypes: Map<number, Float32Array>, options: ReanchorOptions): number[] {
  const { rows, cols, lostPatches, matchCosine } = options;
  const n = rows * cols;
  const ids = [...soft.keys()];
  const winner = getWinners(soft, n);
  const area = new Map(ids.map((id) => [id, 0]));
  for (let i = 0; i < n; i++) area.set(winner[i], (area.get(winner[i]) ?? 0) + 1);
  const lost = [...prototypes.keys()].filter((id) => (area.get(id) ?? 0) < lostPatches);
  if (lost.length === 0) return [];
  const proposals = options.regions ?? getAttentionRegions(attention, tokens, options);
  const used = new Set<number>();
  const anchored: number[] = [];
  for (const id of lost) {
    let pick = -1;
    let pickCosine = matchCosine;
    proposals.forEach((proposal, k) => {
      if (used.has(k)) return;
      const cosine = dot(prototypes.get(id) as Float32Array, proposal.prototype);
      if (isHeldByAnother(proposal, winner, id, cosine, prototypes, { area, lostPatches, tokens, dim: options.dim, matchCosine })) return;
      if (cosine >= pickCosine) [pick, pickCosine] = [k, cosine];
    });
    if (pick < 0) continue;
    used.add(pick);
    anchored.push(id);
    const mask = proposals[pick].mask;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      for (const other of ids) (soft.get(other) as Float32Array)[i] = other === id ? 1 : 0;
    }
  }
  return anchored;
}

/**
 * Label propagation never lets an object go: when it leaves the frame or goes behind a wall,
 * the few background patches that last took its label pass it on to themselves frame after
 * frame (their nearest neighbours are themselves), and DINO's per-channel min-max stretch
 * then paints its faint peak as a mask (bench:prompts 206-reentry: 180–2,400 px of the object
 * on each of the 32 frames after it left; 204-occluder: on each of the 49 frames it was behind
 * the wall). An object the propagation has lost (fewer winning patches than `lostPatches`),
 * that re-anchoring did not find and that nothing near its remnant looks like, is not in view:
 * its soft labels go to the background, so it is written as hidden and the remnant is not
 * carried on. Re-anchoring brings it back when a region like it shows again. Where patches
 * like it are near (`isInSight`), the object is small for a while or under a look-alike's
 * label, and propagation may grow it back: erasing it there lost a small object beside a
 * look-alike for six frames (bench:heldout pan-2 through bench:prompts, its J before its
 * occlusion 0.827 → 0.733).
 * @param soft id → `[rows*cols]` soft labels (0 = background), changed in place
 * @param mayLetGo whether an object is large enough to be let go (see `letGoPatches`)
 * @param anchored the ids re-anchoring gave a region this frame
 * @returns the ids erased in this frame
 */
export function eraseVanished_(soft: Map<number, Float32Array>, sight: Sight, mayLetGo: (id: number) => boolean, anchored: number[]): number[] {
  const background = soft.get(0);
  if (!background) return [];
  const winner = getWinners(soft, background.length);
  const area = new Map<number, number>();
  for (const w of winner) area.set(w, (area.get(w) ?? 0) + 1);
  const erased: number[] = [];
  for (const [id, grid] of soft) {
    if (id === 0 || anchored.includes(id) || !mayLetGo(id) || (area.get(id) ?? 0) >= sight.lostPatches || !grid.some((v) => v > 0)) continue;
    if (isInSight(grid, sight.prototypes.get(id), sight)) continue;
    for (let i = 0; i < grid.length; i++) {
      background[i] += grid[i];
      grid[i] = 0;
    }
    erased.push(id);
  }
  return erased;
}

/** What eraseVanished_ looks at: the frame's centred tokens, each object's prototype, the propagation's window. */
export interface Sight {
  tokens: Float32Array;
  dim: number;
  cols: number;
  /** The propagation's window half-size in patches: how far its labels can travel in one frame. */
  radius: number;
  prototypes: Map<number, Float32Array>;
  matchCosine: number;
  /** An object winning fewer patches than this is lost. */
  lostPatches: number;
}

/**
 * Whether at least `lostPatches` patches within the propagation's window of the object's
 * strongest soft label look like it (cosine ≥ `matchCosine` with its prototype): where the
 * propagation could still find it. At the default window (12 patches each way) that is most
 * of a small frame.
 */
function isInSight(grid: Float32Array, prototype: Float32Array | undefined, sight: Sight): boolean {
  if (!prototype) return false;
  const { tokens, dim, cols, radius, matchCosine, lostPatches: fewest } = sight;
  let peak = 0;
  for (let i = 1; i < grid.length; i++) if (grid[i] > grid[peak]) peak = i;
  const [r0, c0] = [Math.floor(peak / cols), peak % cols];
  const rows = grid.length / cols;
  let alike = 0;
  for (let r = Math.max(0, r0 - radius); r <= Math.min(rows - 1, r0 + radius); r++) {
    for (let c = Math.max(0, c0 - radius); c <= Math.min(cols - 1, c0 + radius); c++) {
      const i = r * cols + c;
      if (dot(prototype, tokens.subarray(i * dim, (i + 1) * dim)) >= matchCosine && ++alike >= fewest) return true;
    }
  }
  return false;
}

/** What isHeldByAnother compares with: the frame's tokens and each id's patches there. */
interface Holdings {
  /** Patches each id wins this frame. */
  area: Map<number, number>;
  lostPatches: number;
  tokens: Float32Array;
  dim: number;
  matchCosine: number;
}

/**
 * An object is not in two places: a part of an object's label apart from its largest part
 * (not 4-connected to it) that looks like no part of it (its patches' mean token has cosine
 * below `matchCosine` with every one of `looks`: the object's patches where the prompt marked
 * it, and its prototype) is a leak of propagation, which gives a patch the label of whatever it
 * looks most like among the context's patches in reach, and loses that object's label there
 * (its other labels and the background's stay). A trial's red disc coming out from behind a
 * pillar took a yellow triangle's id 190 px away for a frame, no red patch being in reach in the
 * context, and was lost for three more (trial 18). Compared with the prototype alone, a
 * two-colour object cut in two by a strap in front lost its blue half on every frame (a review).
 * @param soft id → `[rows*cols]` soft labels, changed in place
 * @param looks each object's unit looks to compare a part with
 * @returns the ids that lost a part
 */
export function dropStrayParts_(soft: Map<number, Float32Array>, tokens: Float32Array, looks: Map<number, Float32Array[]>, options: { rows: number; cols: number; dim: number; matchCosine: number }): number[] {
  const { rows, cols, dim, matchCosine } = options;
  const winner = getWinners(soft, rows * cols);
  const dropped: number[] = [];
  for (const [id, ownLooks] of looks) {
    const grid = soft.get(id);
    if (!grid) continue;
    const [, ...apart] = getComponents(Uint8Array.from(winner, (w) => (w === id ? 1 : 0)), rows, cols);
    for (const part of apart) {
      const mask = new Uint8Array(rows * cols);
      for (const i of part) mask[i] = 1;
      const look = getMaskPrototype(tokens, dim, mask);
      if (!look || ownLooks.some((own) => dot(own, look) >= matchCosine)) continue;
      for (const i of part) grid[i] = 0;
      if (!dropped.includes(id)) dropped.push(id);
    }
  }
  return dropped;
}

/**
 * Whether a region stays another visible object's: most of its patches are that object's
 * (look-alikes crossing make one region), unless that object alone holds them, is also in view
 * elsewhere (`lostPatches` or more patches there that together look like it, not a part of it
 * the attention region left out: a base, legs, a border), and the region looks more like `id`
 * than like it. Label propagation gives the patches of an object it has no label for yet (one
 * a later prompt marks, coming into view) to the object they look most like, and that one
 * cannot be in two places (trial 10: a green square painted with a yellow one's id 200 px away).
 * @param cosine the region's cosine with `id`'s prototype
 */
function isHeldByAnother(proposal: Proposal, winner: Int32Array, id: number, cosine: number, prototypes: Map<number, Float32Array>, holdings: Holdings): boolean {
  const taken = new Map<number, number>();
  for (let i = 0; i < proposal.mask.length; i++) if (proposal.mask[i] && winner[i] > 0 && winner[i] !== id) taken.set(winner[i], (taken.get(winner[i]) ?? 0) + 1);
  let total = 0;
  for (const count of taken.values()) total += count;
  if (total <= proposal.area / 2) return false;
  if (taken.size > 1) return true;
  const [[holder, held]] = [...taken];
  const look = prototypes.get(holder);
  if (!look || (holdings.area.get(holder) ?? 0) - held < holdings.lostPatches || cosine <= dot(look, proposal.prototype)) return true;
  const elsewhere = getMaskPrototype(holdings.tokens, holdings.dim, Uint8Array.from(winner, (w, i) => (w === holder && !proposal.mask[i] ? 1 : 0)));
  return !elsewhere || dot(look, elsewhere) < holdings.matchCosine;
}

/**
 * Whether more of a region is another object's than `id`'s (by the labels' winners): a
 * look-alike's region, which drift correction must not pull `id` onto. Two look-alikes
 * crossing make one region; pulling both towards all of it swapped their ids (the held-out
 * pan scenes of bench:heldout, through bench:prompts).
 */
function isMostlyAnother(mask: Uint8Array, winner: Int32Array, id: number): boolean {
  let own = 0;
  let others = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    if (winner[i] === id) own++;
    else if (winner[i] > 0) others++;
  }
  return others > own;
}

/**
 * Drift correction: propagated labels smear along boundaries and onto look-alike
 * background over time. Where an attention region (grown by features) overlaps an
 * object, looks like it and is not mostly another object's, the object's soft label is pulled towards that region: up
 * inside it (other labels give way), down outside it (the background takes what it
 * gives up). An object the prompt marked as several things (`inPieces`: in pieces, over
 * several regions, or of two looks; direction.ts) is pulled up only, never down: the region
 * picked for it is one of its parts, and the rest faded to the background (a first-time user's
 * merge of two squares under one id; an annotator's red-and-blue object, drawn as one region on
 * the prompt and as two later). Kept for objects marked as one thing: a part of those apart from
 * the region is a leak onto a look-alike, which the pull clears (exempting every object's parts
 * apart, bench:prompts' crossing scene 205 prompted in the middle lost 0.05 J&F).
 * @returns the ids corrected in this frame
 */
export function correctDrift_(soft: Map<number, Float32Array>, attention: Float32Array, tokens: Float32Array, prototypes: Map<number, Float32Array>, options: ReanchorOptions & { pull: number; driftIou?: number; inPieces?: Set<number> }): number[] {
  const { rows, cols, matchCosine, pull } = options;
  const n = rows * cols;
  const winner = getWinners(soft, n);
  const proposals = options.regions ?? getAttentionRegions(attention, tokens, options);
  const corrected: number[] = [];
  const used = new Set<number>();
  for (const [id, prototype] of prototypes) {
    const grid = soft.get(id);
    if (!grid) continue;
    let pick = -1;
    let pickIou = options.driftIou ?? promptedTuning.driftIou;
    const mine = Uint8Array.from(winner, (w) => (w === id ? 1 : 0));
    proposals.forEach((proposal, k) => {
      if (used.has(k) || dot(prototype, proposal.prototype) < matchCosine || isMostlyAnother(proposal.mask, winner, id)) return;
      const iou = getMaskIou(mine, proposal.mask);
      if (iou > 0 && iou >= pickIou) [pick, pickIou] = [k, iou];
    });
    if (pick < 0) continue;
    used.add(pick);
    corrected.push(id);
    const mask = proposals[pick].mask;
    const pullsDown = !options.inPieces?.has(id);
    const background = soft.get(0);
    for (let i = 0; i < n; i++) {
      // The pull moves the object's edge with the background, not another object's: where another one wins, nothing moves.
      if (winner[i] > 0 && winner[i] !== id) continue;
      if (mask[i]) {
        grid[i] += pull * (1 - grid[i]);
        for (const [other, otherGrid] of soft) if (other !== id) otherGrid[i] *= 1 - pull;
      } else if (background && id !== 0 && pullsDown) {
        // What the object gives up outside the region goes to the background.
        const moved = pull * grid[i];
        grid[i] -= moved;
        background[i] += moved;
      }
    }
  }
  return corrected;
}
