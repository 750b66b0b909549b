import { dot, getMaskPrototype } from '../patch-features.js';
import type { Proposal } from '../proposals.js';

/** What makes a region look like an object in one frame. */
export interface Objectness {
  /** Heads whose mean attention on the region is at least `headLift` times their mean over the rest of the frame. */
  support: number;
  /** The largest ratio over heads of the region's mean attention to the head's mean over the whole frame. */
  maxLift: number;
  /** Cosine between the region's mean feature and that of the ring of patches around it (1 = looks like its surroundings: background, or a piece of a larger object). */
  contrast: number;
  /** Share of the frame the region covers. */
  areaShare: number;
}

export interface ObjectnessOptions {
  rows: number;
  cols: number;
  heads: number;
  dim: number;
  headLift: number;
  ringPatches: number;
}

/** Measures a region against the frame's attention `[heads, n]` and unit tokens `[n, dim]`. */
export function measureObjectness(proposal: Proposal, attention: Float32Array, tokens: Float32Array, options: ObjectnessOptions): Objectness {
  const { rows, cols, heads, headLift, ringPatches } = options;
  const n = rows * cols;
  let support = 0;
  let maxLift = 0;
  for (let h = 0; h < heads; h++) {
    const map = attention.subarray(h * n, (h + 1) * n);
    let total = 0;
    let inside = 0;
    for (let i = 0; i < n; i++) {
      total += map[i];
      if (proposal.mask[i]) inside += map[i];
    }
    // Support is measured against the rest of the frame, not the whole frame: a whole-frame
    // mean caps the lift of a region covering a share s at 1/s, so two objects of a fifth of a
    // small frame could never reach `headLift` however sharply their heads attend them. The
    // single-head lift stays against the whole frame, as tuned (a large wall one head attends
    // would otherwise pass as strongly attended).
    const outside = n > proposal.area ? (total - inside) / (n - proposal.area) : 0;
    const supportLift = outside > 0 ? (inside / proposal.area) / outside : inside > 0 ? Infinity : 0;
    const lift = total > 0 ? (inside / proposal.area) / (total / n) : 0;
    if (supportLift >= headLift) support++;
    if (lift > maxLift) maxLift = lift;
  }
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
  return { support, maxLift, contrast: around ? dot(around, proposal.prototype) : 0, areaShare: proposal.area / n };
}

/** Tuning that decides objectness. */
export interface ObjectnessRule {
  supportHeads: number;
  strongLift: number;
  contrastCosine: number;
  maxAreaShare: number;
}

/** Attended by enough heads (or strongly by one), unlike its surroundings, not a large share of the frame. */
export function isObjectLike(o: Objectness, rule: ObjectnessRule): boolean {
  return (o.support >= rule.supportHeads || o.maxLift >= rule.strongLift) && o.contrast < rule.contrastCosine && o.areaShare <= rule.maxAreaShare;
}
