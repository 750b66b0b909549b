import { assignOptimally } from './optimal-assignment.js';
import { getBoundaryF, getJaccard } from './region-boundary.js';

/**
 * How predicted ids are paired with true objects, and which frames count:
 * - `unsupervised`: davis2017-evaluation's unsupervised protocol: the one-to-one pairing of
 *   predicted ids and objects with the largest total mean J&F over the whole video (pairByBestJF),
 *   every frame scored;
 * - `semi-supervised`: its semi-supervised protocol: predicted id k is object k (the ids the
 *   prompts gave), the first and last frames not scored (the first was given);
 * - `idf1`: the pairing IDF1 uses (most frames matched at J > 0.5), every frame scored: an
 *   object whose track never covers half of it is missed. The benchmarks score so.
 */
export type ScoringProtocol = 'unsupervised' | 'semi-supervised' | 'idf1';
export const scoringProtocols: readonly ScoringProtocol[] = ['unsupervised', 'semi-supervised', 'idf1'];

/** Scores of one tracked sequence against ground truth. */
export interface SequenceScore {
  /** Mean region similarity over objects (each averaged over frames). */
  j: number;
  /** Mean boundary F-measure over objects. */
  f: number;
  perObject: { truthId: number; predictedId: number | undefined; j: number; f: number }[];
  idSwitches: number;
  idf1: number;
  /** Frames scored (the semi-supervised protocol leaves out the first and last). */
  frames: number;
}

/**
 * DAVIS's "void" label: ground-truth pixels too uncertain to score (object borders, mixed
 * pixels). As davis2017-evaluation's unsupervised protocol does, they count for no object and
 * neither mask's side: J and F are taken with them removed from both the prediction and the
 * ground truth (its semi-supervised protocol does not: removeVoid).
 */
export const voidLabel = 255;

/**
 * Prediction and truth with the truth's void pixels set to background: in the truth always, in
 * the prediction only with `fromPrediction` (a copy only where there are any). davis2017's
 * unsupervised protocol takes void out of both; its semi-supervised one hands J and F no void
 * mask, so predicted pixels on void count against the prediction.
 */
function removeVoid(prediction: ArrayLike<number>, truth: ArrayLike<number>, fromPrediction: boolean): { prediction: ArrayLike<number>; truth: ArrayLike<number> } {
  let cleanPrediction: Uint16Array | undefined;
  let cleanTruth: Uint16Array | undefined;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== voidLabel) continue;
    cleanTruth ??= Uint16Array.from(truth);
    cleanTruth[i] = 0;
    if (!fromPrediction) continue;
    cleanPrediction ??= Uint16Array.from(prediction);
    cleanPrediction[i] = 0;
  }
  return { prediction: cleanPrediction ?? prediction, truth: cleanTruth ?? truth };
}

/** Accumulates per-frame label maps (0 = background, 255 = void in the truth, else object id) and scores them. */
export interface SequenceScorer {
  /** One frame; its size when it is not the scorer's (the boundary tolerance follows each frame's diagonal). */
  add(prediction: ArrayLike<number>, truth: ArrayLike<number>, width?: number, height?: number): void;
  finish(): SequenceScore;
}

function getIds(labels: ArrayLike<number>): Set<number> {
  const ids = new Set<number>();
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 0) ids.add(labels[i]);
  return ids;
}

function select(labels: ArrayLike<number>, id: number | undefined): Uint8Array {
  const out = new Uint8Array(labels.length);
  if (id === undefined) return out;
  for (let i = 0; i < labels.length; i++) if (labels[i] === id) out[i] = 1;
  return out;
}

/** Pair statistics of one truth id and one predicted id: J and F in the frames where they overlap, frames where it was the truth's match. */
interface PairFrames {
  j: number[];
  f: number[];
  frame: number[];
  matched: number;
}

/** The global one-to-one truth → prediction mapping by identity true positives (greedy on counts), and those true positives. */
function mapIdentities(pairFrames: Map<string, PairFrames>): { mapping: Map<number, number>; idtp: number } {
  const pairs = [...pairFrames.entries()]
    .map(([key, v]) => ({ truthId: Number(key.split(':')[0]), predictedId: Number(key.split(':')[1]), matched: v.matched }))
    .filter((p) => p.matched > 0)
    .sort((a, b) => b.matched - a.matched);
  const mapping = new Map<number, number>();
  const used = new Set<number>();
  let idtp = 0;
  for (const pair of pairs) {
    if (mapping.has(pair.truthId) || used.has(pair.predictedId)) continue;
    mapping.set(pair.truthId, pair.predictedId);
    used.add(pair.predictedId);
    idtp += pair.matched;
  }
  return { mapping, idtp };
}

/** Frames in which each object's paired id matched it (J > 0.5): IDF1's true positives under a given pairing. */
function countMatched(pairFrames: Map<string, PairFrames>, mapping: Map<number, number>): number {
  let matched = 0;
  for (const [truthId, predictedId] of mapping) matched += pairFrames.get(`${truthId}:${predictedId}`)?.matched ?? 0;
  return matched;
}

/**
 * The ids in one frame, and the id that covers all of it, if one does: such a mask has no
 * boundary (the image's edges are none), so its F against an empty mask is 1, not 0, as
 * davis2017-evaluation's f_measure gives for two empty boundaries.
 */
interface Presence {
  truth: Set<number>;
  predicted: Set<number>;
  wholeTruth?: number;
  wholePrediction?: number;
}

/** The id every pixel holds, if one does (not background). */
function getWholeId(labels: ArrayLike<number>): number | undefined {
  const first = labels[0];
  if (!first) return undefined;
  for (let i = 1; i < labels.length; i++) if (labels[i] !== first) return undefined;
  return first;
}

/** Frame statistics the pairings and means are taken from: the ids present in each frame and each pair's overlaps. */
interface Frames {
  pairFrames: Map<string, PairFrames>;
  presence: Presence[];
  /** Whether frame k is scored under the protocol. */
  isScored(k: number): boolean;
  scoredCount: number;
}

/**
 * Mean J and F of object `truthId` against predicted id `predictedId` (none: an empty mask) over
 * the scored frames, as DAVIS counts them: where the object is hidden, an empty prediction
 * scores 1 and any predicted region 0; where it is visible, a missing prediction scores 0.
 */
function getPairMeans(frames: Frames, truthId: number, predictedId: number | undefined): { j: number; f: number } {
  const entry = predictedId === undefined ? undefined : frames.pairFrames.get(`${truthId}:${predictedId}`);
  let j = 0;
  let f = 0;
  entry?.frame.forEach((k, n) => {
    if (!frames.isScored(k)) return;
    j += entry.j[n];
    f += entry.f[n];
  });
  frames.presence.forEach((p, k) => {
    if (!frames.isScored(k)) return;
    const truthHere = p.truth.has(truthId);
    const predictedHere = predictedId !== undefined && p.predicted.has(predictedId);
    if (!truthHere && !predictedHere) {
      j += 1;
      f += 1;
    } else if (truthHere !== predictedHere && (truthHere ? p.wholeTruth === truthId : p.wholePrediction === predictedId)) {
      // One side empty, the other the whole frame: no boundary on either side.
      f += 1;
    }
  });
  return { j: j / frames.scoredCount, f: f / frames.scoredCount };
}

/**
 * davis2017-evaluation's unsupervised pairing: predicted ids to objects one to one, the
 * largest total mean J&F. As there, the proposals are ids 1 to the largest predicted one (an id
 * between them that never appears is an empty mask), padded with empty masks up to the number
 * of objects; an object can be left to an empty mask only when there is one.
 * @param largestId the largest id in the prediction, void pixels included (an id only on void is an empty proposal there too)
 */
function pairByBestJF(frames: Frames, truthIds: number[], predictedIds: number[], largestId: number): Map<number, number> {
  const proposals = Math.max(truthIds.length, largestId);
  // More empty columns than objects never change the pairing.
  const empties = Math.min(truthIds.length, proposals - predictedIds.length);
  const values = truthIds.map((truthId) => {
    const withEmpty = getPairMeans(frames, truthId, undefined);
    const empty = (withEmpty.j + withEmpty.f) / 2;
    return [...predictedIds.map((predictedId) => {
      const { j, f } = getPairMeans(frames, truthId, predictedId);
      return (j + f) / 2;
    }), ...Array.from({ length: empties }, () => empty)];
  });
  const columns = assignOptimally(values);
  const mapping = new Map<number, number>();
  truthIds.forEach((truthId, row) => {
    if (columns[row] < predictedIds.length) mapping.set(truthId, predictedIds[columns[row]]);
  });
  return mapping;
}

/**
 * DAVIS J and F per ground-truth object under one truth→prediction id pairing for the whole
 * video (see ScoringProtocol), plus id switches (a truth object's frame-matched prediction id
 * changing, the same under every protocol) and IDF1 (under IDF1's own pairing, but under the
 * given one, id k for object k, in the semi-supervised protocol). Frames are kept only as
 * per-pair statistics and the ids present in each frame (no masks), so memory grows with
 * length by a few numbers a frame.
 * @param width the frames' size, unless `add` is given another
 */
export function createSequenceScorer(width: number, height: number, protocol: ScoringProtocol = 'idf1'): SequenceScorer {
  const pairFrames = new Map<string, PairFrames>();
  const truthFrames = new Map<number, number>();
  const predictedFrames = new Map<number, number>();
  const truthIds = new Set<number>();
  const lastMatch = new Map<number, number>();
  let idSwitches = 0;
  let largestPredictedId = 0;
  const presence: Presence[] = [];
  return {
    add(withVoid, truthWithVoid, frameWidth = width, frameHeight = height) {
      const frame = presence.length;
      for (let i = 0; i < withVoid.length; i++) if (withVoid[i] > largestPredictedId) largestPredictedId = withVoid[i];
      const { prediction, truth } = removeVoid(withVoid, truthWithVoid, protocol !== 'semi-supervised');
      const truthHere = getIds(truth);
      const predictedHere = getIds(prediction);
      for (const id of truthHere) {
        truthIds.add(id);
        truthFrames.set(id, (truthFrames.get(id) ?? 0) + 1);
      }
      for (const id of predictedHere) predictedFrames.set(id, (predictedFrames.get(id) ?? 0) + 1);
      presence.push({ truth: truthHere, predicted: predictedHere, wholeTruth: getWholeId(truth), wholePrediction: getWholeId(prediction) });
      for (const truthId of truthHere) {
        const truthMask = select(truth, truthId);
        let best: number | undefined;
        let bestJ = 0.5;
        for (const predictedId of predictedHere) {
          const j = getJaccard(select(prediction, predictedId), truthMask);
          if (j > bestJ) [best, bestJ] = [predictedId, j];
        }
        if (best !== undefined) {
          const previous = lastMatch.get(truthId);
          if (previous !== undefined && previous !== best) idSwitches++;
          lastMatch.set(truthId, best);
        }
        for (const predictedId of predictedHere) {
          const key = `${truthId}:${predictedId}`;
          const entry = pairFrames.get(key) ?? { j: [], f: [], frame: [], matched: 0 };
          const predictedMask = select(prediction, predictedId);
          // Every frame both are in counts, overlapping or not: F of a mask beside its object is above 0
          // (kept only where J > 0, it was 0, unlike davis2017-evaluation's; fixtures/check_davis_eval.py).
          entry.j.push(getJaccard(predictedMask, truthMask));
          entry.f.push(getBoundaryF(predictedMask, truthMask, frameWidth, frameHeight));
          entry.frame.push(frame);
          if (predictedId === best) entry.matched++;
          pairFrames.set(key, entry);
        }
      }
    },
    finish() {
      // DAVIS's semi-supervised protocol leaves out the given first frame and the last.
      const skipEnds = protocol === 'semi-supervised';
      const isScored = (k: number): boolean => !skipEnds || (k > 0 && k < presence.length - 1);
      const frames: Frames = { pairFrames, presence, isScored, scoredCount: presence.filter((_, k) => isScored(k)).length };
      const { mapping: idf1Mapping, idtp: bestIdtp } = mapIdentities(pairFrames);
      const objects = [...truthIds].sort((a, b) => a - b);
      const mapping =
        protocol === 'idf1'
          ? idf1Mapping
          : protocol === 'semi-supervised'
            ? new Map(objects.filter((id) => predictedFrames.has(id)).map((id) => [id, id]))
            : pairByBestJF(frames, objects, [...predictedFrames.keys()].sort((a, b) => a - b), largestPredictedId);
      // The ids were given (the prompts): IDF1 holds them to that pairing too, not to the one it
      // would choose (a first-time user's trial: swapped ids scored J 0 beside IDF1 1.000).
      const idtp = protocol === 'semi-supervised' ? countMatched(pairFrames, mapping) : bestIdtp;
      const truthDetections = [...truthFrames.values()].reduce((a, b) => a + b, 0);
      const predictedDetections = [...predictedFrames.values()].reduce((a, b) => a + b, 0);
      const perObject = frames.scoredCount === 0 ? [] : objects.map((truthId) => ({ truthId, predictedId: mapping.get(truthId), ...getPairMeans(frames, truthId, mapping.get(truthId)) }));
      // No object (or no scored frame): nothing was measured, so NaN, never a perfect score.
      const mean = (values: number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : Number.NaN);
      return {
        j: mean(perObject.map((o) => o.j)),
        f: mean(perObject.map((o) => o.f)),
        perObject,
        idSwitches,
        idf1: truthDetections + predictedDetections === 0 ? 1 : (2 * idtp) / (truthDetections + predictedDetections),
        frames: frames.scoredCount,
      };
    },
  };
}
