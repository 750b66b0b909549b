import { getComponents } from './proposals.js';
import { describeLabels } from './regions.js';
import type { BackfillFrame, FrameResult } from './types.js';

/**
 * An earlier frame's result with a newly born object painted in: where no other object is,
 * and over a detached piece of another object that lies mostly inside the birth (not that
 * object's largest piece). Before its birth a track may have taken the newcomer's region as a
 * piece of itself, a look-alike nearby (a first-time user: a yellow square appearing 40 px from
 * a red one was written as part of the red one, id 1, on its first two frames). The frames
 * that led to a birth get that object too. Returns a new result.
 */
export function paintBirth(result: FrameResult, birth: BackfillFrame): FrameResult {
  const labels = Uint16Array.from(result.labels);
  for (const piece of findPiecesInside(result.labels, birth.labels, result.width, result.height)) {
    const id = birth.labels[piece[0]];
    for (const i of piece) labels[i] = id;
  }
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0 && birth.labels[i] !== 0) labels[i] = birth.labels[i];
  const scores = new Map(result.objects.map((o) => [o.id, o.score]));
  if (birth.score !== undefined) for (const id of new Set(birth.labels)) if (id !== 0 && !scores.has(id)) scores.set(id, birth.score);
  const visible = describeLabels(labels, result.width, result.height, scores);
  const hidden = result.objects.filter((o) => o.occluded && !visible.some((v) => v.id === o.id));
  return { ...result, labels, objects: [...visible, ...hidden].sort((a, b) => a.id - b.id) };
}

/**
 * The pixels of each connected piece (4-neighbours) of an object that the birth overlaps,
 * where the piece is not the object's largest and more than half of it lies inside the birth;
 * each list starts with a pixel inside the birth.
 */
function findPiecesInside(labels: Uint16Array, birth: Uint16Array, width: number, height: number): number[][] {
  const overlapped = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0 && birth[i] !== 0) overlapped.add(labels[i]);
  const taken: number[][] = [];
  for (const id of overlapped) {
    // Largest first: the first piece stays the object's, whatever lies over it.
    const [, ...others] = getComponents(Uint8Array.from(labels, (v) => (v === id ? 1 : 0)), height, width);
    for (const piece of others) {
      const inside = piece.filter((i) => birth[i] !== 0);
      if (inside.length * 2 > piece.length) taken.push([inside[0], ...piece]);
    }
  }
  return taken;
}
