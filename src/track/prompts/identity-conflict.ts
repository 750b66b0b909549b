import { getWinners } from '../reanchor.js';
import type { WeightedSoft } from './soft-labels.js';

/**
 * Share of the smaller of two objects that the two directions must label with different ids
 * for them to disagree on who it is. Half: an edge patch the two directions draw a little
 * differently is a shade of the same answer; half an object under another id is another answer.
 */
const conflictShare = 0.5;

/** Per patch, the id a direction's soft labels are highest for, among those it knows (0 or less: background, or none). */
function getHardLabels(source: WeightedSoft, n: number): Int32Array {
  return getWinners(source.unknown?.size ? new Map([...source.soft].filter(([id]) => !source.unknown?.has(id))) : source.soft, n);
}

/** Patches per id (0 left out). */
function countAreas(hard: Int32Array): Map<number, number> {
  const areas = new Map<number, number>();
  for (const id of hard) if (id > 0) areas.set(id, (areas.get(id) ?? 0) + 1);
  return areas;
}

/**
 * Whether two directions disagree on which id an object is: some object one labels `a` the
 * other labels `b` ≠ `a`, over at least `conflictShare` of the smaller of the two (a later
 * prompt swapped, relabelled or merged ids; or one direction followed a look-alike).
 */
export function disagreeOnIds(first: WeightedSoft, second: WeightedSoft, n: number): boolean {
  const [a, b] = [getHardLabels(first, n), getHardLabels(second, n)];
  const [areasA, areasB] = [countAreas(a), countAreas(b)];
  const pairs = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    if (a[i] <= 0 || b[i] <= 0 || a[i] === b[i]) continue;
    const key = `${a[i]},${b[i]}`;
    const count = (pairs.get(key) ?? 0) + 1;
    pairs.set(key, count);
    if (count >= conflictShare * Math.min(areasA.get(a[i]) as number, areasB.get(b[i]) as number)) return true;
  }
  return false;
}

/**
 * The sources to mix on a frame between two prompts: both, unless they disagree on ids
 * (`disagreeOnIds`), when the heavier (the earlier prompt's at a tie) decides every id it
 * knows, and the lighter only those the heavier knows nothing of (an object only one direction
 * discovered), each at its own weight as before. Mixed pixel by pixel, two answers that swap
 * ids tie at the midpoint, where the weights are equal, and the tie put both objects under the
 * lower id (a first-time-user trial: ids 1 and 2 swapped at a prompt 10 frames after another,
 * frame 15 had id 1 on both squares and 2 on a sliver). So the change of ids happens whole,
 * between two frames. It costs a little where the mix of two disagreeing answers happened to
 * help: renaming the lighter direction's ids to the heavier's and mixing (tried) took the tuning
 * crossing scene 103 from J 0.847 to 0.823 with a prompt after each occlusion, this 0.838; the
 * other 15 scenes unchanged (`PROMPTS=after-occlusion npm run bench:prompts`).
 * @param sources the forward direction's labels first, then the backward one's
 */
export function chooseSources(sources: WeightedSoft[], n: number): WeightedSoft[] {
  if (sources.length !== 2 || !disagreeOnIds(sources[0], sources[1], n)) return sources;
  const [forward, backward] = sources;
  const [heavier, lighter] = forward.weight >= backward.weight ? [forward, backward] : [backward, forward];
  const knows = (source: WeightedSoft, id: number): boolean => source.soft.has(id) && !source.unknown?.has(id);
  const lacking = [...lighter.soft.keys()].filter((id) => id !== 0 && knows(lighter, id) && !knows(heavier, id));
  // The heavier at full weight: at its own (0.5–1) every soft mask refinement starts from was
  // squeezed towards 0.5 (0.75/0.25 at the midpoint; a review). The lighter's ids keep their ratio to it.
  const whole: WeightedSoft = { ...heavier, weight: 1 };
  if (lacking.length === 0) return [whole];
  return [whole, { soft: new Map(lacking.map((id) => [id, lighter.soft.get(id) as Float32Array])), weight: lighter.weight / heavier.weight }];
}
