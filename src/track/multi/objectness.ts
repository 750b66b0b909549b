import { getHeadLevels } from '../attention-mask.js';
import { dot, getMaskPrototype } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import { measureTwinRatio, type Backdrop } from './backdrop.js';

/** How a region draws the heads in one frame. */
export interface HeadSupport {
  /** Heads whose mean attention on the region is at least `headLift` times their mean over the rest of the frame. */
  support: number;
  /** The largest ratio over heads of the region's mean attention to the head's background level (attention-mask.ts getBackgroundLevel: its median, floored at a share of its mean). */
  maxLift: number;
  /** Share of the frame the region covers. */
  areaShare: number;
}

/** What makes a region look like an object in one frame. */
export interface Objectness extends HeadSupport {
  /** Cosine between the region's mean feature and that of the ring of patches around it (1 = looks like its surroundings: background, or a piece of a larger object). */
  contrast: number;
}

export interface ObjectnessOptions {
  rows: number;
  cols: number;
  heads: number;
  dim: number;
  headLift: number;
  ringPatches: number;
}

/** Measures how a region draws the heads of the frame's attention `[heads, n]`. */
export function measureHeadSupport(proposal: Proposal, attention: Float32Array, options: Pick<ObjectnessOptions, 'rows' | 'cols' | 'heads' | 'headLift'>): HeadSupport {
  const { rows, cols, heads, headLift } = options;
  const n = rows * cols;
  const members: number[] = [];
  for (let i = 0; i < n; i++) if (proposal.mask[i]) members.push(i);
  const { totals, backgrounds } = getHeadLevels(attention, heads);
  let support = 0;
  let maxLift = 0;
  for (let h = 0; h < heads; h++) {
    const base = h * n;
    const total = totals[h];
    let inside = 0;
    for (const i of members) inside += attention[base + i];
    // Support is measured against the rest of the frame, not the whole frame: a whole-frame
    // mean caps the lift of a region covering a share s at 1/s, so two objects of a fifth of a
    // small frame could never reach `headLift` however sharply their heads attend them. The
    // single-head lift is against the head's background level (its median), which neither the
    // region nor any other object moves.
    const outside = n > proposal.area ? (total - inside) / (n - proposal.area) : 0;
    const supportLift = outside > 0 ? (inside / proposal.area) / outside : inside > 0 ? Infinity : 0;
    const lift = backgrounds[h] > 0 ? (inside / proposal.area) / backgrounds[h] : 0; // a head with no attention lifts nothing
    if (supportLift >= headLift) support++;
    if (lift > maxLift) maxLift = lift;
  }
  return { support, maxLift, areaShare: proposal.area / n };
}

/**
 * Cosine between a region's prototype and the mean of the ring of patches around it, from
 * unit tokens `[n, dim]`: the costly part of objectness (every ring patch's full token).
 */
export function measureContrast(proposal: Proposal, tokens: Float32Array, options: Pick<ObjectnessOptions, 'rows' | 'cols' | 'dim' | 'ringPatches'>): number {
  const { rows, cols, ringPatches } = options;
  const n = rows * cols;
  const ring = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (!proposal.mask[i]) continue;
    const r = Math.floor(i / cols);
    const c = i % cols;
    for (let rr = Math.max(0, r - ringPatches); rr <= Math.min(rows - 1, r + ringPatches); rr++) {
      for (let cc = Math.max(0, c - ringPatches); cc <= Math.min(cols - 1, c + ringPatches); cc++) {
        const j = rr * cols + cc;
        if (!proposal.mask[j]) ring[j] = 1;
      }
    }
  }
  const around = getMaskPrototype(tokens, options.dim, ring);
  return around ? dot(around, proposal.prototype) : 0;
}

/** Measures a region against the frame's attention `[heads, n]` and unit tokens `[n, dim]`. */
export function measureObjectness(proposal: Proposal, attention: Float32Array, tokens: Float32Array, options: ObjectnessOptions): Objectness {
  return { ...measureHeadSupport(proposal, attention, options), contrast: measureContrast(proposal, tokens, options) };
}

/** Tuning that decides objectness. */
export interface ObjectnessRule {
  supportHeads: number;
  strongLift: number;
  contrastCosine: number;
  singleHeadContrast: number;
  maxAreaShare: number;
  singleHeadTwinRatio: number;
  twinGap: number;
  backdropPool: number;
  backdropSamples: number;
}

/** Attended by enough heads (or strongly by one), unlike its surroundings, not a large share of the frame. */
export function isObjectLike(o: Objectness, rule: ObjectnessRule): boolean {
  return drawsHeadsAsObject(o, rule) && o.contrast < getContrastLimit(o, rule);
}

/** The ring contrast a region must stay under: stricter for one drawn by a single head's lift alone. */
function getContrastLimit(s: HeadSupport, rule: ObjectnessRule): number {
  return s.support >= rule.supportHeads ? rule.contrastCosine : Math.min(rule.contrastCosine, rule.singleHeadContrast);
}

/** The heads' half of `isObjectLike`: attended by enough heads (or strongly by one), not a large share of the frame. */
function drawsHeadsAsObject(s: HeadSupport, rule: ObjectnessRule): boolean {
  return (s.support >= rule.supportHeads || s.maxLift >= rule.strongLift) && s.areaShare <= rule.maxAreaShare;
}

/**
 * `isObjectLike` for one region, its ring measured only when the heads pass: on a model
 * whose attention is flat noise no region passes them (a random-weight model's peaked heads
 * do pass them, against the median: the e2e fixture's tiny model makes tracks), and the ring
 * was a tenth of the main thread's CPU at 224 lines.
 */
export function judgeObjectLike(proposal: Proposal, attention: Float32Array, tokens: Float32Array, options: ObjectnessOptions, rule: ObjectnessRule, support = measureHeadSupport(proposal, attention, options), getBackdrop?: () => Backdrop | undefined): boolean {
  if (!drawsHeadsAsObject(support, rule) || measureContrast(proposal, tokens, options) >= getContrastLimit(support, rule)) return false;
  return support.support >= rule.supportHeads || !looksLikeBackdrop(proposal, tokens, options, rule, getBackdrop?.());
}

/**
 * Whether a region one head's lift alone draws finds twins in the frame's backdrop about as
 * readily as the backdrop's own patches do (`singleHeadTwinRatio`): background that one head
 * attends (a wandering blob, a patch of texture) whose ring it is unlike, but which looks like
 * the background elsewhere. Measured only here: the costly part, and only after the rest passed.
 */
function looksLikeBackdrop(proposal: Proposal, tokens: Float32Array, options: ObjectnessOptions, rule: ObjectnessRule, backdrop: Backdrop | undefined): boolean {
  if (!backdrop || !Number.isFinite(rule.singleHeadTwinRatio)) return false;
  return measureTwinRatio(proposal, tokens, backdrop, { ...options, ...rule }) >= rule.singleHeadTwinRatio;
}
