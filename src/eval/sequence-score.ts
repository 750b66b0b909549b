import { getBoundaryF, getJaccard } from './region-boundary.js';

/** Scores of one tracked sequence against ground truth. */
export interface SequenceScore {
  /** Mean region similarity over objects (each averaged over frames). */
  j: number;
  /** Mean boundary F-measure over objects. */
  f: number;
  perObject: { truthId: number; predictedId: number | undefined; j: number; f: number }[];
  idSwitches: number;
  idf1: number;
  frames: number;
}

/**
 * DAVIS's "void" label: ground-truth pixels too uncertain to score (object borders, mixed
 * pixels). As davis2017-evaluation does, they count for no object and neither mask's side:
 * J and F are taken with them removed from both the prediction and the ground truth.
 */
export const voidLabel = 255;

/** Prediction and truth with the truth's void pixels set to background in both (a copy only when there are any). */
function removeVoid(prediction: ArrayLike<number>, truth: ArrayLike<number>): { prediction: ArrayLike<number>; truth: ArrayLike<number> } {
  let cleanPrediction: Uint16Array | undefined;
  let cleanTruth: Uint16Array | undefined;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== voidLabel) continue;
    cleanPrediction ??= Uint16Array.from(prediction);
    cleanTruth ??= Uint16Array.from(truth);
    cleanPrediction[i] = 0;
    cleanTruth[i] = 0;
  }
  return { prediction: cleanPrediction ?? prediction, truth: cleanTruth ?? truth };
}

/** Accumulates per-frame label maps (0 = background, 255 = void in the truth, else object id) and scores them. */
export interface SequenceScorer {
  add(prediction: ArrayLike<number>, truth: ArrayLike<number>): void;
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

/** Pair statistics of one truth id and one predicted id: J and F where they overlap, frames where it was the truth's match. */
interface PairFrames {
  j: number[];
  f: number[];
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

/**
 * DAVIS-style J and F per ground-truth object under one global truth→prediction id
 * mapping (the one that maximises identity true positives, as IDF1 does), plus id
 * switches (a truth object's frame-matched prediction id changing) and IDF1.
 * Frames are kept only as per-pair statistics and the ids present in each frame (no masks),
 * so memory grows with length by a few numbers a frame.
 */
export function createSequenceScorer(width: number, height: number): SequenceScorer {
  const pairFrames = new Map<string, PairFrames>();
  const truthFrames = new Map<number, number>();
  const predictedFrames = new Map<number, number>();
  const truthIds = new Set<number>();
  const lastMatch = new Map<number, number>();
  let idSwitches = 0;
  let frames = 0;
  const presence: { truth: Set<number>; predicted: Set<number> }[] = [];
  return {
    add(withVoid, truthWithVoid) {
      const { prediction, truth } = removeVoid(withVoid, truthWithVoid);
      const truthHere = getIds(truth);
      const predictedHere = getIds(prediction);
      for (const id of truthHere) {
        truthIds.add(id);
        truthFrames.set(id, (truthFrames.get(id) ?? 0) + 1);
      }
      for (const id of predictedHere) predictedFrames.set(id, (predictedFrames.get(id) ?? 0) + 1);
      presence.push({ truth: truthHere, predicted: predictedHere });
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
          const entry = pairFrames.get(key) ?? { j: [], f: [], matched: 0 };
          const predictedMask = select(prediction, predictedId);
          const j = getJaccard(predictedMask, truthMask);
          if (j > 0) {
            entry.j.push(j);
            entry.f.push(getBoundaryF(predictedMask, truthMask, width, height));
          }
          if (predictedId === best) entry.matched++;
          pairFrames.set(key, entry);
        }
      }
      frames++;
    },
    finish() {
      const { mapping, idtp } = mapIdentities(pairFrames);
      const truthDetections = [...truthFrames.values()].reduce((a, b) => a + b, 0);
      const predictedDetections = [...predictedFrames.values()].reduce((a, b) => a + b, 0);
      const perObject = [...truthIds].sort((a, b) => a - b).map((truthId) => {
        const predictedId = mapping.get(truthId);
        const entry = predictedId === undefined ? undefined : pairFrames.get(`${truthId}:${predictedId}`);
        // As DAVIS: every frame counts; where the object is hidden, an empty prediction scores 1
        // and any predicted region 0; where it is visible, a missing prediction scores 0.
        const emptyAgreement = presence.filter((p) => !p.truth.has(truthId) && !(predictedId !== undefined && p.predicted.has(predictedId))).length;
        const sum = (values: number[] | undefined): number => (values ?? []).reduce((a, b) => a + b, 0);
        const j = (sum(entry?.j) + emptyAgreement) / frames;
        const f = (sum(entry?.f) + emptyAgreement) / frames;
        return { truthId, predictedId, j, f };
      });
      const mean = (values: number[]): number => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : 1);
      return {
        j: mean(perObject.map((o) => o.j)),
        f: mean(perObject.map((o) => o.f)),
        perObject,
        idSwitches,
        idf1: truthDetections + predictedDetections === 0 ? 1 : (2 * idtp) / (truthDetections + predictedDetections),
        frames,
      };
    },
  };
}
