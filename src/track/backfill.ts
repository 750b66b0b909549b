import { describeLabels } from './regions.js';
import type { BackfillFrame, FrameResult } from './types.js';

/**
 * An earlier frame's result with a newly born object painted in (where no other object
 * is): the frames that led to a birth get that object too. Returns a new result.
 */
export function paintBirth(result: FrameResult, birth: BackfillFrame): FrameResult {
  const labels = Uint16Array.from(result.labels);
  for (let i = 0; i < labels.length; i++) if (labels[i] === 0 && birth.labels[i] !== 0) labels[i] = birth.labels[i];
  const scores = new Map(result.objects.map((o) => [o.id, o.score]));
  if (birth.score !== undefined) for (const id of new Set(birth.labels)) if (id !== 0 && !scores.has(id)) scores.set(id, birth.score);
  const visible = describeLabels(labels, result.width, result.height, scores);
  const hidden = result.objects.filter((o) => o.occluded && !visible.some((v) => v.id === o.id));
  return { ...result, labels, objects: [...visible, ...hidden].sort((a, b) => a.id - b.id) };
}
