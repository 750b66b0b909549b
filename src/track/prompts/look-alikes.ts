import { dot } from '../patch-features.js';
import type { Proposal } from '../proposals.js';
import { getWinners } from '../reanchor.js';
import { promptedTuning } from '../prompted-tuning.js';

/** What separateLookAlikes_ needs besides the labels. */
export interface LookAlikeOptions {
  /** The frame's object regions (one per object in view, or one for objects that touch; an object may be split in two). */
  regions: Proposal[];
  /** Each object's look (unit mean of its centred tokens). */
  prototypes: Map<number, Float32Array>;
  /** Two objects at least this alike are look-alikes. */
  matchCosine: number;
  /** An object may take a region it holds less of than another look-alike only where it holds this many patches. */
  lostPatches: number;
  /** Each object's size in patches where a prompt last marked it or discovery found it (0 or absent: unknown). */
  sizes: Map<number, number>;
  /**
   * Each patch's winning id on the frame this direction labelled just before (the last
   * prediction, or the prompt), if any: asked for once, and only on a frame that has a group of
   * look-alikes with a body each (most frames have none, and the winners cost a pass over every label).
   */
  previous?: () => Int32Array | undefined;
  /** The frame's index. */
  frame: number;
  /** Each look-alike's last sightings apart from its twins, oldest first: read, and this frame's appended (`pathSpan` kept). */
  paths: Map<number, Sighting[]>;
}

/** Where a look-alike's body was on a frame that showed it apart from its twins: its centre, in patches (row, column), and its size. */
export interface Sighting {
  frame: number;
  centre: [number, number];
  /** Patches: a part of the body (under `wholeShare` of the path's largest) has a centre that lags its true one. */
  area: number;
}

/**
 * Look-alikes apart are one object each. Label propagation cannot tell two objects of the same
 * look apart: after they cross, or going backwards from a prompt where one was half hidden
 * behind the other, each label was scattered over both bodies (a first-time user's crossing
 * squares: the hidden one's J 0.18 over the 80 frames of a middle-prompted clip, 0.66 after a
 * correction in the crossing, against 0.82 with no correction at all). Where the frame's
 * object regions show exactly as many bodies of that look (cosine ≥ `matchCosine` with one
 * of the objects, at least `bodyShare` of the smallest one's size) as there are look-alike
 * objects, each is given one body, and the other look-alikes' patches there become its:
 * - the body holding most of its label on the frame before, where that frame's labels lay one
 *   to a body (keepPreviousBodies: apart, or split by side within a merge);
 * - else the body its path apart leads to, where that is clear (followPaths);
 * - else, where they share a body, the body it holds most of. Each must get a body of its
 *   own (two that touch make one body, and then neither takes it from the other), keep at least
 *   half of what it held on the bodies there, and hold the most of that body or at least
 *   `lostPatches` of it. Label majority is weak evidence of which is which, so it does nothing
 *   where it may mislead (a review): while a look-alike holds none of the bodies (lost, its
 *   body back unlabelled: four red squares crossing in pairs were swapped whole). The first
 *   two rules have no such guard: they may give a lost look-alike a body.
 * Whatever the first choice after a merge, the first rule keeps it from then on, right or
 * wrong, until a prompt; and a bounce is read as a crossing (a review: scene 301 with its
 * paths turned back before crossing was swapped from frame 47 on, where majority was right).
 * Nothing is done either where the frame shows more bodies than look-alikes (an object's half
 * beyond a pole, a reflection, an unprompted twin: a twin took a split object's half).
 * @param soft id → `[rows*cols]` soft labels, changed in place
 * @returns the ids given a body
 */
export function separateLookAlikes_(soft: Map<number, Float32Array>, options: LookAlikeOptions): number[] {
  const n = soft.get(0)?.length ?? 0;
  const { regions } = options;
  if (regions.length < 2) return [];
  const winner = getWinners(soft, n);
  let previous: Int32Array | undefined;
  let askedPrevious = false;
  const getPrevious = (): Int32Array | undefined => {
    if (!askedPrevious) [previous, askedPrevious] = [options.previous?.(), true];
    return previous;
  };
  const given: number[] = [];
  for (const group of getLookAlikeGroups(soft, options)) {
    // The bodies the frame shows of this look: exactly one per object, or nothing is done; a
    // smaller region is a fragment of one (`bodyShare`).
    const fragment = Math.min(...group.map((id) => options.sizes.get(id) ?? 0)) * promptedTuning.bodyShare;
    const bodies = regions.filter((region) => region.area >= fragment && group.some((id) => dot(options.prototypes.get(id) as Float32Array, region.prototype) >= options.matchCosine));
    if (bodies.length !== group.length) continue;
    const counts = countInRegions(group, winner, bodies);
    const assignment = keepPreviousBodies(group, bodies, getPrevious()) ?? followPaths(group, bodies, options) ?? getBodiesByMajority(group, counts, options.lostPatches);
    // Already apart where nothing was to be done: each holds the most of its own body.
    const apart = assignment ?? assignRegions(group, counts, Infinity);
    if (apart) recordSightings_(options.paths, apart, bodies, options.frame);
    if (!assignment) continue;
    const members = new Set(group);
    for (const [id, k] of assignment) {
      takeRegion_(soft, id, bodies[k].mask, winner, members);
      given.push(id);
    }
  }
  return given;
}

/**
 * Where the frame before does not say (keepPreviousBodies), each look-alike takes the body
 * nearest where its path apart leads (straight on, at its velocity over its last `pathSpan`
 * sightings): who went in which way comes out that way. Only in groups of at most
 * `pathGroupLimit`, since every order of the bodies is tried. Label majority on the first frame apart after a crossing is a
 * coin toss, and the body a look-alike keeps from there on (keepPreviousBodies) is then the
 * wrong one half the time (the held-out pan-3 scene: both look-alikes swapped for the last 35
 * frames). Only where every look-alike has a path of two sightings or more, its last within
 * `pathHorizon` frames, and the best assignment is clearly nearer than the next (`pathMargin`);
 * a bounce, where the two come back the way they went, is read as a crossing.
 */
function followPaths(group: number[], bodies: Proposal[], options: LookAlikeOptions): Map<number, number> | undefined {
  const { pathHorizon, pathMargin, pathGroupLimit } = promptedTuning;
  if (group.length > pathGroupLimit) return undefined;
  const predicted: [number, number][] = [];
  for (const id of group) {
    const path = getMotionPath(options.paths.get(id) ?? [], options.frame);
    if (path.length < 2 || Math.abs(options.frame - path[path.length - 1].frame) > pathHorizon) return undefined;
    predicted.push(extrapolate(path, options.frame));
  }
  const ranked = getPermutations(group.length)
    .map((order) => ({ order, distance: order.reduce((sum, k, i) => sum + Math.hypot(bodies[k].centre[0] - predicted[i][0], bodies[k].centre[1] - predicted[i][1]), 0) }))
    .sort((a, b) => a.distance - b.distance);
  if (ranked.length < 2 || ranked[0].distance > pathMargin * ranked[1].distance) return undefined;
  return new Map(group.map((id, i) => [id, ranked[0].order[i]]));
}

/** The sightings that give the body's motion: its last `pathSpan`, or its last whole ones (`wholeShare`) where it was last seen in part and two of them are recent enough to go on. */
function getMotionPath(path: Sighting[], frame: number): Sighting[] {
  const largest = Math.max(0, ...path.map((s) => s.area));
  const isWhole = (s: Sighting): boolean => s.area >= promptedTuning.wholeShare * largest;
  // Seen whole last: its last `pathSpan` sightings, as before parts were told apart (a review: the
  // whole sightings kept from before an occlusion averaged the velocity over dozens of frames).
  if (path.length === 0 || isWhole(path[path.length - 1])) return path.slice(-promptedTuning.pathSpan);
  const whole = path.filter(isWhole).slice(-promptedTuning.pathSpan);
  return whole.length >= 2 && Math.abs(frame - whole[whole.length - 1].frame) <= promptedTuning.pathHorizon ? whole : path.slice(-promptedTuning.pathSpan);
}

/** Where a path of sightings (oldest first, two or more on different frames) leads on `frame`, straight on at its mean velocity. */
function extrapolate(path: Sighting[], frame: number): [number, number] {
  const [first, last] = [path[0], path[path.length - 1]];
  const span = last.frame - first.frame;
  const velocity = span === 0 ? [0, 0] : [(last.centre[0] - first.centre[0]) / span, (last.centre[1] - first.centre[1]) / span];
  const ahead = frame - last.frame;
  return [last.centre[0] + velocity[0] * ahead, last.centre[1] + velocity[1] * ahead];
}

/** Every order of 0..count-1 (count is a group of look-alikes: a handful at most). */
function getPermutations(count: number): number[][] {
  if (count === 0) return [[]];
  return getPermutations(count - 1).flatMap((order) => Array.from({ length: count }, (_, at) => [...order.slice(0, at), count - 1, ...order.slice(at)]));
}

/**
 * Appends each look-alike's body on `frame` to its path, keeping its last `pathSpan` sightings and
 * its last `pathSpan` whole ones (getMotionPath): a body going behind an occluder is seen in part
 * for longer than `pathSpan` frames when it is slow.
 */
function recordSightings_(paths: Map<number, Sighting[]>, apart: Map<number, number>, bodies: Proposal[], frame: number): void {
  const { pathSpan, wholeShare } = promptedTuning;
  for (const [id, k] of apart) {
    const path = [...(paths.get(id) ?? []), { frame, centre: bodies[k].centre, area: bodies[k].area }];
    const largest = Math.max(...path.map((s) => s.area));
    const keptWhole = new Set(path.filter((s) => s.area >= wholeShare * largest).slice(-pathSpan));
    const recent = new Set(path.slice(-pathSpan));
    paths.set(id, path.filter((s) => recent.has(s) || keptWhole.has(s)));
  }
}

/**
 * Each look-alike keeps the body it had on the frame before, where that frame's labels lay one
 * to a body of this frame: each held the most of one body and at least half of its patches
 * there. That is so where they were apart, and also within a merge where each label kept to one
 * side (then it reads the parting as a bounce, before followPaths is asked: a review).
 * Motion is the better evidence then: this frame's label majority comes from context frames
 * where the two were merged into one label, and a look-alike's few patches there may lie on
 * its twin (scene 601 prompted after the crossing, going backwards: the pair swapped on the
 * first frame apart after being right on the one before, with fuller attention regions).
 */
function keepPreviousBodies(group: number[], bodies: Proposal[], previous: Int32Array | undefined): Map<number, number> | undefined {
  if (!previous) return undefined;
  // Infinity: on the frame before, each must have held the most of its body, not just a few patches.
  return assignRegions(group, countInRegions(group, previous, bodies), Infinity);
}

/** Each look-alike takes the body it holds most of on this frame (assignRegions); undefined where no body is shared, so there is nothing to separate. */
function getBodiesByMajority(group: number[], counts: Map<number, number>[], lostPatches: number): Map<number, number> | undefined {
  return counts.some((here) => here.size > 1) ? assignRegions(group, counts, lostPatches) : undefined;
}

/** The objects with a look and a label, in groups of look-alikes (linked by cosine ≥ `matchCosine`), groups of two or more only. */
function getLookAlikeGroups(soft: Map<number, Float32Array>, options: LookAlikeOptions): number[][] {
  const ids = [...options.prototypes.keys()].filter((id) => id > 0 && soft.has(id));
  const root = new Map(ids.map((id) => [id, id]));
  const find = (id: number): number => {
    const parent = root.get(id) as number;
    return parent === id ? id : find(parent);
  };
  for (const a of ids) {
    for (const b of ids) {
      if (a < b && dot(options.prototypes.get(a) as Float32Array, options.prototypes.get(b) as Float32Array) >= options.matchCosine) root.set(find(a), find(b));
    }
  }
  const groups = new Map<number, number[]>();
  for (const id of ids) groups.set(find(id), [...(groups.get(find(id)) ?? []), id]);
  return [...groups.values()].filter((group) => group.length > 1);
}

/** For each region, how many of its patches each object of `group` wins. */
function countInRegions(group: number[], winner: Int32Array, regions: Proposal[]): Map<number, number>[] {
  const members = new Set(group);
  return regions.map(({ mask }) => {
    const here = new Map<number, number>();
    for (let i = 0; i < mask.length; i++) if (mask[i] && members.has(winner[i])) here.set(winner[i], (here.get(winner[i]) ?? 0) + 1);
    return here;
  });
}

/**
 * One body for every object of the group, each body to one object, an object only to a body it
 * may take (see separateLookAlikes_), each trying the body it holds most of first. Undefined when
 * there is no such assignment, or an object holds none of the bodies.
 * @returns object id → region index
 */
function assignRegions(group: number[], counts: Map<number, number>[], lostPatches: number): Map<number, number> | undefined {
  const options = new Map<number, number[]>();
  for (const id of group) {
    const held = counts.map((here) => here.get(id) ?? 0);
    const total = held.reduce((sum, count) => sum + count, 0);
    // A look-alike holding none of the bodies is lost: any of them may be its own.
    if (total === 0) return undefined;
    const regionTotal = (k: number): number => [...counts[k].values()].reduce((sum, count) => sum + count, 0);
    const mayTake = (k: number): boolean => held[k] > 0 && 2 * held[k] >= total && (2 * held[k] > regionTotal(k) || held[k] >= lostPatches);
    options.set(id, held.map((_, k) => k).filter(mayTake).sort((a, b) => held[b] - held[a]));
  }
  return matchAll(options);
}

/**
 * A matching of every object to one of its regions, no region twice (augmenting paths; each
 * object has at most two regions to choose from, where it keeps at least half its patches).
 * @param options object id → the regions it may take, best first
 */
function matchAll(options: Map<number, number[]>): Map<number, number> | undefined {
  const owner = new Map<number, number>();
  const tryPlace = (id: number, seen: Set<number>): boolean => {
    for (const k of options.get(id) ?? []) {
      if (seen.has(k)) continue;
      seen.add(k);
      const holder = owner.get(k);
      if (holder === undefined || tryPlace(holder, seen)) {
        owner.set(k, id);
        return true;
      }
    }
    return false;
  };
  for (const id of options.keys()) if (!tryPlace(id, new Set())) return undefined;
  return new Map([...owner].map(([k, id]) => [id, k]));
}

/** `id` wins the patches of `mask` its look-alikes (`members`) won, with the soft value they won by; theirs go to 0 there. */
function takeRegion_(soft: Map<number, Float32Array>, id: number, mask: Uint8Array, winner: Int32Array, members: Set<number>): void {
  const own = soft.get(id) as Float32Array;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i] || winner[i] === id || !members.has(winner[i])) continue;
    const other = soft.get(winner[i]) as Float32Array;
    own[i] = Math.max(own[i], other[i]);
    other[i] = 0;
  }
}
