import { describeLabels } from './regions.js';
import type { FrameResult, TrackedObject } from './types.js';

/** Centre of an object's box, in pixels. */
function centreOf(object: TrackedObject): [number, number] {
  const [x, y, w, h] = object.bbox;
  return [x + w / 2, y + h / 2];
}

/**
 * How far an object in both key frames moved: its box centre's shift, where moving A's mask
 * by it lands more of it on B's mask than leaving it in place does; none otherwise.
 * A box centre moves when a piece joins or leaves a mask too (another object taken in): a
 * still square whose mask took in a far one slid off itself and smeared over the background
 * between (trial 10). Whether the shift explains B is what tells motion from that; a ratio of
 * box sizes did not (a fast zoom, a car coming in at the edge, a small ball whose patch mask
 * doubled: all real motion, frozen in place by it).
 */
function getMotion(a: FrameResult, b: FrameResult, inA: TrackedObject, inB: TrackedObject): [number, number] {
  const [ax, ay] = centreOf(inA);
  const [bx, by] = centreOf(inB);
  const [dx, dy] = [Math.round(bx - ax), Math.round(by - ay)];
  const { width, height } = a;
  const [left, top, w, h] = inA.bbox;
  let [moved, still] = [0, 0];
  for (let y = top; y < top + h; y++) {
    for (let x = left; x < left + w; x++) {
      if (a.labels[y * width + x] !== inA.id) continue;
      if (b.labels[y * width + x] === inA.id) still++;
      const [mx, my] = [x + dx, y + dy];
      if (mx >= 0 && mx < width && my >= 0 && my < height && b.labels[my * width + mx] === inA.id) moved++;
    }
  }
  return moved > still ? [bx - ax, by - ay] : [0, 0];
}

/**
 * Masks for a frame between two tracked key frames (`--stride`): each object present in
 * both moves along the straight line between its two positions, its two masks shifted
 * there and blended by time — which keeps the nearer key frame's shape, moved to where the
 * object is at that time (in place where that shift does not explain the later mask: getMotion);
 * an object in only one key frame holds until halfway.
 * @param t position between the key frames, 0 < t < 1
 */
export function interpolateResults(a: FrameResult, b: FrameResult, t: number, index: number): FrameResult {
  const { width, height } = a;
  const visibleA = new Map(a.objects.filter((o) => !o.occluded).map((o) => [o.id, o]));
  const visibleB = new Map(b.objects.filter((o) => !o.occluded).map((o) => [o.id, o]));
  const ids = [...new Set([...visibleA.keys(), ...visibleB.keys()])];
  const labels = new Uint16Array(width * height);
  const best = new Float32Array(width * height).fill(0.5);
  for (const id of ids) {
    const inA = visibleA.get(id);
    const inB = visibleB.get(id);
    const [dx, dy] = inA && inB ? getMotion(a, b, inA, inB) : [0, 0];
    // Halfway, the earlier key frame's shape wins (a union of both would grow the mask).
    const weightA = 1 - t + 1e-6;
    // Sample A at p − t·d and B at p + (1 − t)·d: both land on the object's position at time t.
    const shiftAx = Math.round(t * dx);
    const shiftAy = Math.round(t * dy);
    const shiftBx = Math.round((1 - t) * dx);
    const shiftBy = Math.round((1 - t) * dy);
    // Only where one of the two shifted boxes lies can the object be.
    const boxes: [number, number, number, number][] = [];
    if (inA) boxes.push([inA.bbox[0] + shiftAx, inA.bbox[1] + shiftAy, inA.bbox[2], inA.bbox[3]]);
    if (inB) boxes.push([inB.bbox[0] - shiftBx, inB.bbox[1] - shiftBy, inB.bbox[2], inB.bbox[3]]);
    const left = Math.max(0, Math.min(...boxes.map((q) => q[0])));
    const top = Math.max(0, Math.min(...boxes.map((q) => q[1])));
    const right = Math.min(width, Math.max(...boxes.map((q) => q[0] + q[2])));
    const bottom = Math.min(height, Math.max(...boxes.map((q) => q[1] + q[3])));
    for (let y = top; y < bottom; y++) {
      const ya = y - shiftAy;
      const yb = y + shiftBy;
      for (let x = left; x < right; x++) {
        let value = 0;
        if (inA && ya >= 0 && ya < height) {
          const xa = x - shiftAx;
          if (xa >= 0 && xa < width && a.labels[ya * width + xa] === id) value += weightA;
        }
        if (inB && yb >= 0 && yb < height) {
          const xb = x + shiftBx;
          if (xb >= 0 && xb < width && b.labels[yb * width + xb] === id) value += t;
        }
        const i = y * width + x;
        if (value > best[i]) {
          best[i] = value;
          labels[i] = id;
        }
      }
    }
  }
  const nearest = t < 0.5 ? a : b;
  const scores = new Map(nearest.objects.map((o) => [o.id, o.score]));
  const visible = describeLabels(labels, width, height, scores);
  const hidden = [...a.objects, ...b.objects]
    .filter((o, k, all) => all.findIndex((p) => p.id === o.id) === k)
    .filter((o) => !visible.some((v) => v.id === o.id) && (nearest.objects.some((p) => p.id === o.id)))
    .map((o) => ({ ...o, area: 0, bbox: [0, 0, 0, 0] as [number, number, number, number], score: 0, occluded: true }));
  return { index, width, height, labels, objects: [...visible, ...hidden].sort((p, q) => p.id - q.id), attention: nearest.attention, rows: nearest.rows, cols: nearest.cols };
}
