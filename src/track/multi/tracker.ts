import { averageHeads } from '../attention-mask.js';
import { getUnitRows, type UnitRows } from '../patch-features.js';
import { propagateMasks } from '../propagation.js';
import { getProposals } from '../proposals.js';
import { describeLabels } from '../regions.js';
import type { BackfillFrame, FrameFeatures, FrameResult, TrackedObject, Tracker, TrackerOptions } from '../types.js';
import { isReadyToBeBorn, type Candidate } from './births.js';
import { bornScore, keepSharing } from './claiming.js';
import { absorbPieces, follow, giveBirth, hideUnseen, keepPropagated, reidentify } from './frame-steps.js';
import { startMotion } from './motion.js';
import { countPatches, paintLabels } from './painting.js';
import { keepSpan_, rememberFootprint_, type FootprintRule } from './pieces.js';
import { isThin, isTouchingPiece } from './sharing.js';
import type { FrameState, Track, TrackerSettings, TrackerState } from './state.js';
import { multiTrackerTuning, type MultiTrackerTuning } from './tuning.js';

/** The tracker's settings in frames of this video. */
function getSettings(options: TrackerOptions, tuning: MultiTrackerTuning): TrackerSettings {
  const birthFrames = Math.max(2, Math.round(tuning.birthSeconds * options.fps));
  return {
    width: options.width,
    height: options.height,
    maxObjects: options.maxObjects,
    occlusionFrames: options.occlusionFrames ?? Math.round(2 * options.fps),
    birthFrames,
    paintBackFrames: Math.max(birthFrames - 1, Math.round(tuning.paintBackSeconds * options.fps)),
    decay: tuning.hiddenVelocityDecay,
    fadeFrames: Math.max(3, Math.round(tuning.fadeSeconds * options.fps)),
    motionFrames: Math.max(2, Math.round(tuning.motionSeconds * options.fps)),
    labelsRefined: options.labelsRefined ?? false,
    tuning,
  };
}

/**
 * For tests only: `reuseRows: false` allocates every frame's unit rows afresh (the answers
 * reuse must equal); `onDropped` is handed each frame's centred rows after its update and
 * the raw rows of the frame that left the context, to spoil them (nothing may read them after).
 */
export interface RowTestHooks {
  reuseRows?: boolean;
  onDropped?: (centred: Float32Array, raw: Float32Array | undefined) => void;
}

/** This frame's proposals and propagated labels: what the steps start from. */
async function startFrame(state: TrackerState, features: FrameFeatures, options: TrackerOptions): Promise<{ frame: FrameState; unitRows: UnitRows }> {
  const { rows, cols, heads, dim } = features;
  const { tuning } = state.settings;
  // Regions, objectness and identity compare tokens relative to the frame's mean (their
  // cosine thresholds then mean the same whatever the model shares across patches);
  // label propagation ranks neighbours as DINO does, on the tokens themselves.
  const unitRows = getUnitRows(features.patchTokens, dim, state.spareRows);
  state.spareRows = undefined;
  const { centred: tokens, raw: propagationTokens } = unitRows; // [n, dim] unit rows each
  const proposals = getProposals(features.clsAttention, tokens, { rows, cols, heads, dim, threshold: options.threshold, minPatches: tuning.minPatches, splitCosine: tuning.splitCosine, growCosine: tuning.growCosine, headLift: tuning.foregroundLift, singleHeadLift: tuning.singleHeadLift });
  const propagated = await propagateMasks(propagationTokens, state.context, { rows, cols, dim, radius: tuning.radius, topK: tuning.topK, temperature: tuning.temperature }, options.similarity);
  const frame: FrameState = { index: features.index, step: state.framesSeen, rows, cols, tokens, attention: features.clsAttention, heads, dim, propagated, masks: new Map(), scores: new Map(), pieces: new Map(), proposals };
  return { frame, unitRows };
}

/**
 * What a track held this frame, for the next (pieces.ts isContinuedSide): its own region (not
 * the pieces it took, nor what propagation alone added), and the pieces, with how many frames
 * in a row it has taken some; and the most it has held, region and pieces together.
 * From the same, whether an object seen across a pillar still moves as one (keepSpan_: a far
 * side that has not moved for `motionFrames`, or has left the pillar's edge, is released).
 */
function rememberHeld_(track: Track, region: Uint8Array | undefined, pieces: Uint8Array | undefined, spanRule: Parameters<typeof keepSpan_>[3], footprintRule: FootprintRule): void {
  track.peakHeld = Math.max(track.peakHeld ?? 0, region ? countPatches(region) : 0);
  if (region) rememberFootprint_(track, region, pieces, footprintRule);
  track.pieces = pieces;
  track.pieceFrames = pieces ? (track.pieceFrames ?? 0) + 1 : 0;
  track.held = region && pieces ? region.map((v, i) => v & (1 - pieces[i])) : region;
  keepSpan_(track, track.held, pieces, spanRule);
}

/**
 * Whether painting gives every claimed patch pixels of its own: where a patch spans two
 * pixels or more each way, a pixel lies within a quarter patch of its centre, where its
 * upsampled value (≥ 0.75) beats the half painting needs and any neighbour's (≤ 0.25). A
 * frame smaller than that (a feature cache of a larger video, a review found) may paint a
 * track no pixel at all, which then is not listed.
 */
function isPaintedWhole(rows: number, cols: number, width: number, height: number): boolean {
  return width >= 2 * cols && height >= 2 * rows;
}

/**
 * The objects in view where labels are left to refinement: every track with a claimed patch,
 * its area and box left for refinement to measure; where isPaintedWhole, these are the ids
 * painting would list.
 */
function listUnpainted(frame: FrameState): TrackedObject[] {
  return [...frame.masks]
    .filter(([, mask]) => countPatches(mask) > 0)
    .map(([id]) => ({ id, area: 0, bbox: [0, 0, 0, 0], score: frame.scores.get(id) ?? 1, occluded: false }));
}

/** What the tracker answers for a frame: labels painted from the claimed patches, visible and hidden objects. */
function describeFrame(state: TrackerState, frame: FrameState, features: FrameFeatures, births: BackfillFrame[]): FrameResult {
  const { width, height } = state.settings;
  const { rows, cols } = frame;
  const unpainted = state.settings.labelsRefined && isPaintedWhole(rows, cols, width, height);
  const labels = unpainted ? new Uint16Array(width * height) : paintLabels(frame.masks, rows, cols, width, height);
  const visible = unpainted ? listUnpainted(frame) : describeLabels(labels, width, height, frame.scores);
  const hiddenObjects = state.tracks
    .filter((t) => t.motion.missing > 0)
    .map((t) => ({ id: t.id, area: 0, bbox: [0, 0, 0, 0] as [number, number, number, number], score: 0, occluded: true }));
  // The patch masks labels were painted from, as the soft masks pixel refinement starts from.
  const soft = new Map([...frame.masks].map(([id, mask]) => [id, Float32Array.from(mask)])); // id → [rows*cols]
  const result: FrameResult = { index: features.index, width, height, labels, objects: [...visible, ...hiddenObjects].sort((a, b) => a.id - b.id), attention: averageHeads(features.clsAttention, features.heads), rows, cols, soft };
  if (births.length) result.births = births;
  return result;
}

/**
 * A clip shorter than the birth window: candidates seen (as objects) in every one of its frames
 * are born, painted into all of them. Largest first, but a piece of one born here (touching it,
 * at an edge, else at a corner if it is thin, and like it, as absorbPieces judges pieces) joins it before
 * anything else is born: a thin part the patch grid cut into pieces is one object here too.
 */
function bearAtEnd(state: TrackerState): BackfillFrame[] {
  const { birthFrames, maxObjects, width, height, tuning } = state.settings;
  if (!state.last || state.framesSeen >= birthFrames) return [];
  const { rows, cols } = state.last;
  const queue = state.candidates.filter((c) => c.objectLike >= state.framesSeen).sort((a, b) => b.proposal.area - a.proposal.area);
  // Each object born here: its look, its patches in the last frame, and in each frame (index → mask).
  const born: { id: number; prototype: Float32Array; mask: Uint8Array; frames: Map<number, Uint8Array> }[] = [];
  const isPieceOf = (b: (typeof born)[number], c: Candidate, corners: boolean) => isTouchingPiece(b.prototype, b.mask, c.proposal, rows, cols, tuning.touchCosine, corners);
  const findOwner = (c: Candidate) => born.find((b) => isPieceOf(b, c, false))
    ?? (isThin(c.proposal.mask, c.proposal.area, rows, cols) ? born.find((b) => isPieceOf(b, c, true)) : undefined);
  while (queue.length > 0) {
    const [candidate] = queue.splice(Math.max(0, queue.findIndex((c) => findOwner(c) !== undefined)), 1);
    let owner = findOwner(candidate);
    if (!owner) {
      if (state.tracks.length >= maxObjects) continue;
      owner = { id: state.nextId++, prototype: candidate.proposal.prototype, mask: new Uint8Array(rows * cols), frames: new Map() };
      born.push(owner);
      state.tracks.push({ id: owner.id, prototype: candidate.proposal.prototype, motion: startMotion(candidate.proposal.centre, candidate.proposal.area), unattended: 0, sightings: [], merged: false });
    }
    for (let i = 0; i < owner.mask.length; i++) owner.mask[i] |= candidate.proposal.mask[i];
    for (const { index, mask } of [...candidate.history, { index: candidate.index, mask: candidate.proposal.mask }]) {
      const painted = owner.frames.get(index) ?? new Uint8Array(rows * cols);
      for (let i = 0; i < painted.length; i++) painted[i] |= mask[i];
      owner.frames.set(index, painted);
    }
  }
  state.candidates = [];
  return born.flatMap(({ id, frames }) => [...frames].map(([index, mask]) => ({ index, labels: paintLabels(new Map([[id, mask]]), rows, cols, width, height), soft: new Map([[id, Float32Array.from(mask)]]), score: bornScore })));
}

/**
 * Multi-object tracker: per-frame proposals from attention and features; tracks carried
 * forward by label propagation and a constant-velocity motion model; a track is born only
 * for a region that behaves like an object over the birth window (attended by several
 * heads, unlike its surroundings, persistent), and its masks are then painted into the
 * frames of that window (`births`); occluded tracks are kept for `occlusionFrames` and
 * re-identified by appearance and predicted position; ids are never reused. Each frame's
 * steps are in frame-steps.ts, in the order `update` runs them.
 */
export function createMultiTracker(options: TrackerOptions, tuning: MultiTrackerTuning = multiTrackerTuning, testHooks: RowTestHooks = {}): Tracker {
  const state: TrackerState = { settings: getSettings(options, tuning), tracks: [], candidates: [], context: [], nextId: 1, framesSeen: 0 };
  const { birthFrames, paintBackFrames } = state.settings;
  return {
    lookBack: paintBackFrames,
    async update(features: FrameFeatures): Promise<FrameResult> {
      state.last = { rows: features.rows, cols: features.cols };
      state.framesSeen++;
      const { frame, unitRows } = await startFrame(state, features, options);
      for (const track of state.tracks) track.before = undefined;
      let free = follow(state, frame, frame.proposals);
      free = reidentify(state, frame, free);
      free = absorbPieces(state, frame, free).free;
      keepSharing(state, frame);
      const regions = new Map([...frame.masks].map(([id, m]) => [id, Uint8Array.from(m)])); // before propagation adds to them
      keepPropagated(state, frame);
      const births = giveBirth(state, frame, free, regions, (c) => isReadyToBeBorn(c, birthFrames));
      hideUnseen(state, frame);
      const spanRule = { rows: frame.rows, cols: frame.cols, stillFrames: state.settings.motionFrames, edgePatches: tuning.bridgeEdgePatches };
      const footprintRule = { step: frame.step, refresh: tuning.footprintRefresh, maxAge: state.settings.occlusionFrames };
      for (const track of state.tracks) rememberHeld_(track, regions.get(track.id), frame.pieces.get(track.id), spanRule, footprintRule);
      state.context.push({ tokens: unitRows.raw, masks: new Map([...frame.masks].map(([id, m]) => [id, Float32Array.from(m)])) });
      // contextFrames 0 keeps every frame, as slice(-0) always did.
      const dropped = tuning.contextFrames > 0 && state.context.length > tuning.contextFrames ? state.context.shift() : undefined;
      testHooks.onDropped?.(unitRows.centred, dropped?.tokens);
      if (dropped && testHooks.reuseRows !== false) state.spareRows = { raw: dropped.tokens, centred: unitRows.centred };
      return describeFrame(state, frame, features, births);
    },
    async finish(): Promise<BackfillFrame[]> {
      return bearAtEnd(state);
    },
  };
}
