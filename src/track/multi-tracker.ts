import { blendPrototype_, dot, normalizeRows } from './patch-features.js';
import { propagateMasks, type ContextFrame } from './propagation.js';
import { getProposals, type Proposal } from './proposals.js';
import { describeLabels } from './regions.js';
import type { FrameFeatures, FrameResult, Tracker, TrackerOptions } from './types.js';
import { getUpsampledRegion, upsampleBilinear } from './upsample.js';

/** Tuning of the tracker; defaults chosen on the synthetic benchmark (npm run bench:track). */
export const trackerDefaults = {
  contextFrames: 3,
  radius: 6,
  topK: 5,
  temperature: 0.1,
  minPatches: 3,
  splitCosine: 0.5,
  growCosine: 0.5,
  /** Appearance alone that keeps an active track on a proposal it no longer overlaps. */
  followCosine: 0.85,
  /** Appearance needed to give a returning object its old id. */
  reidCosine: 0.7,
  /** A new region this much like a hidden track waits (it may be that object re-emerging) rather than taking a new id. */
  holdCosine: 0.5,
  /** A stray piece this similar to a track joins it rather than starting a new one. */
  mergeCosine: 0.9,
  /** How long a new object must be seen (in consecutive frames, at least two) before it gets an id: 3 frames at 25 fps; fewer key frames with --stride. */
  birthSeconds: 0.12,
  prototypeRate: 0.1,
};

interface Track {
  id: number;
  prototype: Float32Array;
  occluded: boolean;
  /** Frames since the track last had evidence. */
  missing: number;
  centre: [number, number];
}

interface Candidate {
  proposal: Proposal;
  seen: number;
}

function getIou(mask: Uint8Array, soft: Float32Array | undefined): number {
  if (!soft) return 0;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < mask.length; i++) {
    const b = soft[i] >= 0.5;
    if (mask[i] && b) inter++;
    if (mask[i] || b) union++;
  }
  return union ? inter / union : 0;
}

/** Greedy one-to-one assignment by descending score. */
function assign<T, U>(left: T[], right: U[], score: (l: T, r: U) => number | undefined): [T, U, number][] {
  const pairs: [number, number, number][] = [];
  left.forEach((l, i) => right.forEach((r, j) => {
    const s = score(l, r);
    if (s !== undefined) pairs.push([i, j, s]);
  }));
  pairs.sort((a, b) => b[2] - a[2]);
  const usedLeft = new Set<number>();
  const usedRight = new Set<number>();
  const out: [T, U, number][] = [];
  for (const [i, j, s] of pairs) {
    if (usedLeft.has(i) || usedRight.has(j)) continue;
    usedLeft.add(i);
    usedRight.add(j);
    out.push([left[i], right[j], s]);
  }
  return out;
}

/**
 * Multi-object tracker: per-frame proposals from attention and features, tracks carried
 * forward by label propagation, occluded tracks kept for `occlusionFrames` and
 * re-identified by their feature prototype, ids never reused.
 */
export function createMultiTracker(options: TrackerOptions, tuning = trackerDefaults): Tracker {
  const { width, height } = options;
  const occlusionFrames = options.occlusionFrames ?? Math.round(2 * options.fps);
  const birthFrames = Math.max(2, Math.round(tuning.birthSeconds * options.fps));
  let tracks: Track[] = [];
  let candidates: Candidate[] = [];
  let context: ContextFrame[] = [];
  let nextId = 1;

  return {
    async update(features: FrameFeatures): Promise<FrameResult> {
      const { rows, cols, heads, dim } = features;
      const n = rows * cols;
      const tokens = normalizeRows(features.patchTokens, dim); // [n, dim] unit rows
      const proposals = getProposals(features.clsAttention, tokens, { rows, cols, heads, dim, threshold: options.threshold, minPatches: tuning.minPatches, splitCosine: tuning.splitCosine, growCosine: tuning.growCosine });
      const propagated = await propagateMasks(tokens, context, { rows, cols, dim, radius: tuning.radius, topK: tuning.topK, temperature: tuning.temperature }, options.similarity);
      const masks = new Map<number, Uint8Array>();
      const scores = new Map<number, number>();
      const claim = (track: Track, proposal: Proposal, score: number): void => {
        masks.set(track.id, Uint8Array.from(proposal.mask));
        scores.set(track.id, Math.min(1, Math.max(0, score)));
        blendPrototype_(track.prototype, proposal.prototype, tuning.prototypeRate);
        track.occluded = false;
        track.missing = 0;
        track.centre = proposal.centre;
      };

      // 1. Active tracks follow the proposal their propagated mask overlaps (or that looks like them).
      const active = tracks.filter((t) => !t.occluded);
      const followed = assign(active, proposals, (track, proposal) => {
        const iou = getIou(proposal.mask, propagated.get(track.id));
        const cosine = dot(track.prototype, proposal.prototype);
        return iou >= 0.1 || cosine >= tuning.followCosine ? iou + 0.5 * cosine : undefined;
      });
      for (const [track, proposal, score] of followed) claim(track, proposal, score);
      let free = proposals.filter((p) => !followed.some(([, q]) => q === p));

      // 2. Returning objects get their old id back, by appearance (and, weakly, position).
      const hidden = tracks.filter((t) => t.occluded);
      const returned = assign(hidden, free, (track, proposal) => {
        const cosine = dot(track.prototype, proposal.prototype);
        if (cosine < tuning.reidCosine) return undefined;
        const distance = Math.hypot(track.centre[0] - proposal.centre[0], track.centre[1] - proposal.centre[1]);
        return cosine - 0.002 * distance;
      });
      for (const [track, proposal, score] of returned) claim(track, proposal, score);
      free = free.filter((p) => !returned.some(([, q]) => q === p));

      // 3. Pieces of a tracked object join it instead of becoming new objects.
      free = free.filter((proposal) => {
        const owner = tracks.find((t) => masks.has(t.id) && dot(t.prototype, proposal.prototype) >= tuning.mergeCosine);
        if (!owner) return true;
        const mask = masks.get(owner.id) as Uint8Array;
        for (let i = 0; i < n; i++) if (proposal.mask[i]) mask[i] = 1;
        return false;
      });

      // 4. Temporal smoothing: a track also keeps patches its propagation is sure of, unless another object claims them.
      const claimed = new Uint8Array(n);
      for (const mask of masks.values()) for (let i = 0; i < n; i++) claimed[i] += mask[i];
      for (const [id, mask] of masks) {
        const soft = propagated.get(id);
        if (!soft) continue;
        for (let i = 0; i < n; i++) if (!mask[i] && !claimed[i] && soft[i] >= 0.75) mask[i] = 1;
      }

      // 5. New objects: born once seen in consecutive frames, while there is room.
      const stillCandidates: Candidate[] = [];
      const paired = assign(candidates, free, (candidate, proposal) => {
        const iou = getIou(proposal.mask, Float32Array.from(candidate.proposal.mask));
        const cosine = dot(candidate.proposal.prototype, proposal.prototype);
        return iou >= 0.2 || cosine >= tuning.mergeCosine ? iou + cosine : undefined;
      });
      for (const proposal of free) {
        const previous = paired.find(([, q]) => q === proposal)?.[0];
        const seen = (previous?.seen ?? 0) + 1;
        // Part of a hidden object coming back looks only partly like it: wait until it can be re-identified.
        const maybeReturning = tracks.some((t) => t.occluded && dot(t.prototype, proposal.prototype) >= tuning.holdCosine);
        if (seen >= birthFrames && !maybeReturning && tracks.length < options.maxObjects) {
          const track: Track = { id: nextId++, prototype: Float32Array.from(proposal.prototype), occluded: false, missing: 0, centre: proposal.centre };
          tracks.push(track);
          claim(track, proposal, 0.5);
        } else {
          stillCandidates.push({ proposal, seen });
        }
      }
      candidates = stillCandidates;

      // 6. Tracks without evidence are hidden; hidden too long, they end (their id is never reused).
      for (const track of tracks) {
        if (masks.has(track.id)) continue;
        track.occluded = true;
        track.missing++;
      }
      tracks = tracks.filter((t) => t.missing <= occlusionFrames);

      context.push({ tokens, masks: new Map([...masks].map(([id, m]) => [id, Float32Array.from(m)])) });
      if (context.length > tuning.contextFrames) context = context.slice(-tuning.contextFrames);

      const labels = paintLabels(masks, rows, cols, width, height);
      const visible = describeLabels(labels, width, height, scores);
      const hiddenObjects = tracks
        .filter((t) => t.occluded)
        .map((t) => ({ id: t.id, area: 0, bbox: [0, 0, 0, 0] as [number, number, number, number], score: 0, occluded: true }));
      const attention = new Float32Array(n);
      for (let h = 0; h < heads; h++) for (let i = 0; i < n; i++) attention[i] += features.clsAttention[h * n + i] / heads;
      // The patch masks labels were painted from, as the soft masks refinement starts from.
      const soft = new Map([...masks].map(([id, mask]) => [id, Float32Array.from(mask)])); // id → [rows*cols]
      return { index: features.index, width, height, labels, objects: [...visible, ...hiddenObjects].sort((a, b) => a.id - b.id), attention, rows, cols, soft };
    },
  };
}

/** `[firstRow, firstCol, lastRow, lastCol]` of a patch mask; undefined when empty. */
function getPatchBox(mask: Uint8Array, rows: number, cols: number): [number, number, number, number] | undefined {
  let r0 = rows;
  let c0 = cols;
  let r1 = -1;
  let c1 = -1;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    const r = Math.floor(i / cols);
    const c = i % cols;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
    if (c < c0) c0 = c;
    if (c > c1) c1 = c;
  }
  return r1 < 0 ? undefined : [r0, c0, r1, c1];
}

/** Patch masks → pixel label map: each mask upsampled smoothly, the strongest above one half wins. */
function paintLabels(masks: Map<number, Uint8Array>, rows: number, cols: number, width: number, height: number): Uint16Array {
  const labels = new Uint16Array(width * height);
  const best = new Float32Array(width * height).fill(0.5);
  for (const [id, mask] of masks) {
    const box = getPatchBox(mask, rows, cols);
    if (!box) continue;
    const region = getUpsampledRegion(box, rows, cols, width, height);
    const dense = upsampleBilinear(Float32Array.from(mask), rows, cols, width, height, region);
    const [left, top, right, bottom] = region;
    for (let y = top; y < bottom; y++) {
      for (let i = y * width + left; i < y * width + right; i++) {
        if (dense[i] > best[i]) {
          best[i] = dense[i];
          labels[i] = id;
        }
      }
    }
  }
  return labels;
}
