import type { WeightedSoft } from './soft-labels.js';

/**
 * Share of the smaller of two objects that the two directions must label with different ids
 * for them to disagree on who it is. Half: an edge patch the two directions draw a little
 * differently is a shade of the same answer; half an object under another id is another answer.
 */
const conflictShare = 0.5;

/** Per patch, the id a direction's soft labels are highest for (0 = background), among those it knows. */
function getHardLabels(source: WeightedSoft, n: number): Int32Array {
  const best = new Float32Array(n).fill(-Infinity);
  const hard = new Int32Array(n);
  for (const [id, grid] of source.soft) {
    if (source.unknown?.has(id)) continue;
    for (let i = 0; i < n; i++) if (grid[i] > best[i]) [best[i], hard[i]] = [grid[i], id];
  }
  return hard;
}

/** Patches per id (0 left out). */
function countAreas(hard: Int32Array): Map<number, number> {
  const areas = new Map<number, number>();
  for (const id of hard) if (id !== 0) areas.set(id, (areas.get(id) ?? 0) + 1);
  return areas;
}

/**
 * The ids of `lighter`'s objects that `heavier` labels otherwise (lighter id → heavier id):
 * each object the two share over `conflictShare` of the smaller, where their ids differ.
 */
function findRenames(heavier: Int32Array, lighter: Int32Array): Map<number, number> {
  const [areasH, areasL] = [countAreas(heavier), countAreas(lighter)];
  const pairs = new Map<string, number>();
  for (let i = 0; i < heavier.length; i++) if (heavier[i] !== 0 && lighter[i] !== 0) pairs.set(`${lighter[i]},${heavier[i]}`, (pairs.get(`${lighter[i]},${heavier[i]}`) ?? 0) + 1);
  const renames = new Map<number, number>();
  for (const [key, count] of pairs) {
    const [l, h] = key.split(',').map(Number);
    if (l !== h && count >= conflictShare * Math.min(areasL.get(l) as number, areasH.get(h) as number)) renames.set(l, h);
  }
  return renames;
}

/**
 * The sources to mix on a frame between two prompts, agreeing on ids: where the two directions
 * label one object with different ids (a later prompt swapped, relabelled or merged them; or
 * one direction followed a look-alike), the lighter direction's labels of it are renamed to the
 * heavier's (the earlier prompt's at a tie), so the mix keeps both directions' shapes and one
 * direction's ids. Mixed as they were, two answers that swap ids tied pixel by pixel at the
 * midpoint, where the weights are equal, and the tie gave both objects to the lower id (a
 * first-time-user trial: ids 1 and 2 swapped at a prompt 10 frames after another, frame 15 had
 * id 1 on both squares and 2 on a sliver). So a change of ids happens whole, between two frames.
 * Where the renames do not make a one-to-one match (two of the lighter's objects are one of the
 * heavier's: a merge), the heavier alone decides the ids it knows.
 * @param sources the forward direction's labels first, then the backward one's
 */
export function agreeOnIds(sources: WeightedSoft[], n: number): WeightedSoft[] {
  if (sources.length !== 2) return sources;
  const [forward, backward] = sources;
  const [heavier, lighter] = forward.weight >= backward.weight ? [forward, backward] : [backward, forward];
  const renames = findRenames(getHardLabels(heavier, n), getHardLabels(lighter, n));
  if (renames.size === 0) return sources;
  const targets = [...renames.values()];
  if (new Set(targets).size < targets.length) return keepHeavier(heavier, lighter);
  // The lighter's own labels of an id it gave away to another object are not that id's any more.
  const soft = new Map<number, Float32Array>();
  for (const [id, grid] of lighter.soft) {
    const renamed = renames.get(id) ?? id;
    if (renames.has(id) || !targets.includes(id)) soft.set(renamed, grid);
  }
  const unknown = lighter.unknown && new Set([...lighter.unknown].map((id) => renames.get(id) ?? id));
  const agreeing: WeightedSoft = { soft, weight: lighter.weight, ...(unknown ? { unknown } : {}) };
  return heavier === forward ? [heavier, agreeing] : [agreeing, heavier];
}

/** The heavier direction for every id it knows; the lighter only for ids the heavier knows nothing of (an object only one direction discovered). */
function keepHeavier(heavier: WeightedSoft, lighter: WeightedSoft): WeightedSoft[] {
  const knows = (source: WeightedSoft, id: number): boolean => source.soft.has(id) && !source.unknown?.has(id);
  const lacking = [...lighter.soft.keys()].filter((id) => id !== 0 && knows(lighter, id) && !knows(heavier, id));
  if (lacking.length === 0) return [heavier];
  return [heavier, { soft: new Map(lacking.map((id) => [id, lighter.soft.get(id) as Float32Array])), weight: lighter.weight }];
}
