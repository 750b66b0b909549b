import { InputError, UsageError } from '../../errors.js';
import { averageHeads } from '../attention-mask.js';
import { readInitMask } from '../init-mask.js';
import { resizeLabels } from '../resize-labels.js';
import { getNewIds, type Discovered } from '../discover.js';
import { paintLabels } from '../multi/painting.js';
import type { BackfillFrame, FrameFeatures, FrameResult, Tracker } from '../types.js';
import { getPrototypes, getWinners } from '../reanchor.js';
import { anchorAtPixelPrompt_, createDirection, getFrameTokens, isLeftOut, stepDirection_, type Direction, type StepOptions } from './direction.js';
import { chooseSources } from './identity-conflict.js';
import { describePromptedFrame, discountUnknownBackground_, selectLabels, type LabelGeometry, type WeightedSoft } from './soft-labels.js';
import { openSoftScratch, type SoftScratch } from './soft-scratch.js';

/** An annotated frame: a DAVIS PNG (0 background, k = object k) that is ground truth on frame `frame`. */
export interface PromptFrame {
  frame: number;
  file: string;
}

/** Features that can be read again, in any order: a feature cache (the pipeline writes a temporary one for a video). */
export interface RandomAccessFeatures {
  frames: number;
  readFrame(index: number): Promise<FrameFeatures>;
}

export interface MultiPromptOptions extends StepOptions {
  width: number;
  height: number;
  patchSize: number;
  /** At least one; any order. */
  prompts: PromptFrame[];
  /** What named the prompts, for messages: `--init-mask f.png`, `--prompts fixes/`. */
  source: string;
  /** The option the files came from, for messages about one file. */
  option: string;
  maxObjects: number;
  features: RandomAccessFeatures;
  /** The frames the tracker sees (`--stride`); every prompted frame must be one. */
  isKeyFrame: (index: number) => boolean;
  /** Called after each key frame of the backward pass: frames done, frames it covers. */
  onBackward?: (done: number, total: number) => void;
}

/** Where the prompts speak of one object: the frames that mark it, and those that erase it (leave it out while patches like it lie in their background). */
interface PromptMentions {
  marks: number[];
  erases: number[];
}

/** What the prompts say of their objects, read before the passes. */
interface PromptObjects {
  ids: number[];
  /** Each id's look where a prompt first marks it (unit mean of its patches' centred tokens). */
  looks: Map<number, Float32Array>;
  /** Each id's patches where a prompt first marks it. */
  sizes: Map<number, number>;
  mentions: Map<number, PromptMentions>;
}

/**
 * Every id the prompts mark, its look and size where a prompt first marks it, and which
 * prompts mark or erase it, read one prompt at a time, in frame order, before the passes.
 * Both directions know every prompted object from their start, not only from the prompts they
 * have passed: going forwards from a prompt that leaves out an object marked only later (it
 * comes into view after the first prompt), that object was unknown until its own prompt, and
 * propagation gave its patches to a look-alike meanwhile (trial 10); going backwards from a
 * prompt that leaves out an object hidden there, the same, and the object vanished on the
 * frames before that prompt where it was in view (a first-time user). Where the prompts erase an
 * object decides where the backward direction may bring it back (`isLiveAt`).
 * @throws UsageError past `maxObjects`, InputError when none marks an object
 */
async function readPromptObjects(options: MultiPromptOptions, frames: number[], promptAt: Map<number, string>): Promise<PromptObjects> {
  const looks = new Map<number, Float32Array>();
  const sizes = new Map<number, number>();
  const ids = new Set<number>();
  const readLabels = (index: number): Promise<Uint16Array> => readInitMask(promptAt.get(index) as string, options.width, options.height, options.option, true);
  const toGrid = (labels: Uint16Array, features: FrameFeatures): Uint16Array => resizeLabels(labels, options.width, options.height, features.cols, features.rows);
  for (const index of frames) {
    const labels = await readLabels(index);
    for (const id of new Set(labels)) if (id !== 0) ids.add(id);
    const unseen = [...ids].filter((id) => !looks.has(id));
    if (unseen.length === 0) continue;
    const features = await options.features.readFrame(index);
    const grid = toGrid(labels, features);
    const counts = new Map<number, number>();
    for (const id of grid) counts.set(id, (counts.get(id) ?? 0) + 1);
    for (const [id, look] of getPrototypes(grid, getFrameTokens(features).centred, features.dim, unseen)) {
      looks.set(id, look);
      sizes.set(id, counts.get(id) ?? 0);
    }
  }
  if (ids.size === 0) {
    const what = options.prompts.length === 1 ? `${options.option} ${options.prompts[0].file}` : `${options.source}: none of its PNGs`;
    throw new InputError(`${what} marks no object (every pixel is 0); label objects 1, 2, …`);
  }
  if (ids.size > options.maxObjects) throw new UsageError(`${options.source} marks ${ids.size} objects, more than --max-objects ${options.maxObjects}; raise --max-objects`);
  const mentions = new Map([...ids].map((id) => [id, { marks: [], erases: [] } as PromptMentions]));
  for (const index of frames) {
    const features = await options.features.readFrame(index);
    const labels = await readLabels(index);
    const grid = toGrid(labels, features);
    // A sliver that covers no patch's centre still marks its object (slivers.ts).
    const on = new Set(labels);
    for (const [id, look] of looks) {
      if (on.has(id)) mentions.get(id)?.marks.push(index);
      else if (isLeftOut(look, grid, getFrameTokens(features).centred, features.dim, new Map(), false)) mentions.get(id)?.erases.push(index);
    }
  }
  return { ids: [...ids].sort((a, b) => a - b), looks, sizes, mentions };
}

/** Whether the last prompt at or before `frame` that speaks of the object marks it, or none does (it may be brought back there). */
function isLiveAt(mentions: PromptMentions | undefined, frame: number): boolean {
  if (!mentions) return true;
  const last = (at: number[]): number => Math.max(-1, ...at.filter((f) => f <= frame));
  return last(mentions.erases) <= last(mentions.marks);
}

/**
 * The ids `--discover` may give going backwards: the next free ones after the prompts',
 * as many as `--max-objects` leaves (discovery never exceeds it), so the scratch file
 * has a place for each before any is found.
 */
function getDiscoverableIds(options: MultiPromptOptions, ids: number[]): number[] {
  if (!options.discover) return [];
  return getNewIds(ids, Math.max(0, options.discover.maxObjects - ids.length));
}

/**
 * An object discovery found going backwards was seen in the frames after this one too (its
 * birth window), whose soft labels are already in the scratch: it is given its patches
 * there as well (one-hot, as on the frame it was found), except on prompted frames (written
 * exactly as prompted). Without it, a discovered object was missing from the frames nearest
 * the prompt it was found from.
 */
async function backfillScratch(scratch: SoftScratch, born: Discovered[], promptAt: Map<number, string>): Promise<void> {
  for (const { id, history } of born) {
    for (const { index, mask } of history) {
      if (promptAt.has(index)) continue;
      const soft = await scratch.read(index);
      if (!soft) continue;
      for (let i = 0; i < mask.length; i++) {
        if (!mask[i]) continue;
        for (const grid of soft.values()) grid[i] = 0;
      }
      soft.set(id, Float32Array.from(mask));
      await scratch.write(index, soft);
    }
  }
}

/**
 * An object discovery found going forwards, painted into the frames of its birth window
 * (the pipeline holds them back: `lookBack`), except prompted ones (written exactly).
 */
function getBirths(born: Discovered[], promptAt: Map<number, string>, features: FrameFeatures, width: number, height: number): BackfillFrame[] {
  return born.flatMap(({ id, history }) => history
    .filter(({ index }) => !promptAt.has(index))
    .map(({ index, mask }) => ({ index, labels: paintLabels(new Map([[id, mask]]), features.rows, features.cols, width, height), soft: new Map([[id, Float32Array.from(mask)]]) })));
}

/** What the backward pass leaves the forward one. */
interface BackwardResult {
  /** The objects it discovered: id → unit mean feature where it was found. */
  discovered: Map<number, Float32Array>;
  /**
   * Each id's last frame on which the backward pass spoke of it (labelled it there, by a prompt,
   * propagation, re-anchoring or discovery, or a prompt it passed erased it): on later frames its
   * soft labels say nothing of that id.
   */
  knownUntil: Map<number, number>;
}

/**
 * Records the ids the backward direction speaks of at frame `index` (it labels them there, or a
 * prompt it passed erased them) that it did not on a later frame: from there on down its soft
 * labels of them are a vote, before it they are not (it had not found them).
 * @param labels the frame's soft (or prompted one-hot) labels
 */
function noteKnown_(knownUntil: Map<number, number>, backward: Direction, index: number, labels: Map<number, Float32Array>): void {
  const labelled = new Set(getWinners(labels, labels.get(0)?.length ?? 0));
  for (const id of [...labelled, ...backward.rejected.keys()]) if (id > 0 && !knownUntil.has(id)) knownUntil.set(id, index);
  // A discovered object is given its patches on the frames of its birth window too (backfillScratch).
  for (const { id, history } of backward.born) knownUntil.set(id, Math.max(index, ...history.map((h) => h.index)));
}

/**
 * Backwards from the last prompt to frame 0, over the key frames: each prompt re-anchors
 * the propagation, every other frame's soft labels go to the scratch file (the forward
 * pass reads them back in order). With `--discover` it finds objects too (an object seen
 * only before a prompt would otherwise never be found).
 * It knows every prompted object's look and size from its start (`readPromptObjects`), and
 * re-anchors an object wherever the last prompt at or before the frame does not erase it.
 */
async function runBackwardPass(options: MultiPromptOptions, objects: PromptObjects, scratch: SoftScratch, promptAt: Map<number, string>, last: number): Promise<BackwardResult> {
  const { ids, looks, sizes, mentions } = objects;
  const backward = createDirection(ids);
  backward.prototypes = new Map(looks);
  backward.markedPatches = new Map(sizes);
  backward.mayReanchor = (id, frame) => isLiveAt(mentions.get(id), frame);
  const knownUntil = new Map<number, number>();
  const step = options;
  let total = 0;
  for (let index = last; index >= 0; index--) if (options.isKeyFrame(index)) total++;
  let done = 0;
  for (let index = last; index >= 0; index--) {
    if (!options.isKeyFrame(index)) continue;
    const features = await options.features.readFrame(index);
    const tokens = getFrameTokens(features);
    const file = promptAt.get(index);
    let labels: Map<number, Float32Array>;
    if (file !== undefined) {
      const prompt = await readInitMask(file, options.width, options.height, options.option, true);
      anchorAtPixelPrompt_(backward, features, tokens, prompt, options.width, options.height);
      labels = backward.anchor?.masks ?? new Map();
    } else {
      labels = await stepDirection_(backward, features, tokens, step);
      await scratch.write(index, labels);
      await backfillScratch(scratch, backward.born, promptAt);
    }
    noteKnown_(knownUntil, backward, index, labels);
    options.onBackward?.(++done, total);
  }
  const discovered = new Map<number, Float32Array>();
  for (const id of backward.ids) {
    if (id === 0 || ids.includes(id)) continue;
    // One the backward pass found and a prompt then erased (going backwards) is still the same object.
    const prototype = backward.prototypes.get(id) ?? backward.rejected.get(id);
    if (prototype) discovered.set(id, prototype);
  }
  return { discovered, knownUntil };
}

/**
 * Prompted tracking from any number of annotated frames. A prompt is ground truth on its
 * frame (written exactly) and re-anchors propagation in both directions. Memory stays
 * flat in the video's length: the backward pass runs first and writes each key frame's
 * soft labels (`[ids, rows*cols]` float16) to a scratch file; the pipeline's forward pass
 * (`update`, frames in order) propagates forwards and mixes in the backward labels read
 * back from the scratch, weighted by distance: at frame t between prompts a < t < b the
 * forward labels weigh (b − t)/(b − a), the backward ones (t − a)/(b − a), so the frame
 * just before a correction already mostly agrees with it. Before the first prompt only
 * the backward labels exist, after the last only the forward ones. Only the contexts of
 * the two directions (each ≤ `contextFrames` + 1 frames of tokens) are held.
 */
export async function createMultiPromptTracker(options: MultiPromptOptions): Promise<Tracker> {
  const { width, height, patchSize } = options;
  const promptAt = new Map(options.prompts.map((p) => [p.frame, p.file]));
  const frames = [...promptAt.keys()].sort((a, b) => a - b);
  for (const frame of frames) if (!options.isKeyFrame(frame)) throw new Error(`internal: prompted frame ${frame} is not a key frame`);
  const objects = await readPromptObjects(options, frames, promptAt);
  const { ids, looks } = objects;
  const { rows, cols } = await options.features.readFrame(0);
  const scratch = await openSoftScratch([0, ...ids, ...getDiscoverableIds(options, ids)], rows * cols);
  let backward: BackwardResult;
  try {
    backward = await runBackwardPass(options, objects, scratch, promptAt, frames[frames.length - 1]);
  } catch (error) {
    await scratch.close();
    throw error;
  }
  // Objects the backward pass discovered keep their ids going forwards: they are carried
  // from the start (frames before the first prompt show them), and once the first prompt
  // has anchored the forward direction their features are known, so that re-anchoring
  // finds them after it under the same id and discovery does not give them a second one.
  // The first prompt does not erase them: going forwards nothing had been found yet.
  const { discovered, knownUntil } = backward;
  const forward = createDirection([...ids, ...discovered.keys()]);
  for (const [id, look] of looks) forward.prototypes.set(id, look);
  const readBackward = async (index: number, weight: number): Promise<WeightedSoft> => {
    const soft = await scratch.read(index);
    if (!soft) throw new Error(`internal: no backward soft labels for frame ${index}`);
    // Improved propagation re-anchors every prompted object going backwards wherever it is live:
    // an object the backward labels have not found there is one they looked for, and their vote
    // on it counts (left out, the twin hidden behind its look-alike at the later prompt took the
    // visible twin's pixels just before that prompt, and remnants of hidden objects stayed: a
    // review, pan-crossing scenes 610, 112, 512). DINO's reference propagation does not look.
    const unknown = options.propagation === 'reference' ? new Set([...soft.keys()].filter((id) => id !== 0 && !((knownUntil.get(id) ?? -1) >= index))) : undefined;
    return { soft, weight, unknown };
  };
  return {
    // Objects discovery finds going forwards are painted into their birth window's frames, held back until then.
    lookBack: options.discover ? options.discover.birthFrames - 1 : 0,
    async update(features: FrameFeatures): Promise<FrameResult> {
      const { index } = features;
      const geometry: LabelGeometry = { rows: features.rows, cols: features.cols, patchSize, width, height };
      const attention = averageHeads(features.clsAttention, features.heads);
      const describe = (labels: Uint16Array, sources?: WeightedSoft[]): FrameResult => describePromptedFrame(index, labels, forward.ids, attention, geometry, sources);
      const select = (sources: WeightedSoft[]): FrameResult => describe(selectLabels(sources, forward.ids, geometry), sources);
      const file = promptAt.get(index);
      if (file !== undefined) {
        const labels = await readInitMask(file, width, height, options.option, true);
        const first = forward.anchorFrame === undefined;
        anchorAtPixelPrompt_(forward, features, getFrameTokens(features), labels, width, height);
        if (first) for (const [id, prototype] of discovered) if (!forward.prototypes.has(id)) forward.prototypes.set(id, prototype);
        return describe(labels);
      }
      if (forward.anchorFrame === undefined) return select([await readBackward(index, 1)]);
      const soft = await stepDirection_(forward, features, getFrameTokens(features), options);
      const births = getBirths(forward.born, promptAt, features, width, height);
      const next = frames.find((frame) => frame > index);
      const weight = next === undefined ? 1 : (next - index) / (next - forward.anchorFrame);
      const sources: WeightedSoft[] = [{ soft, weight }];
      if (weight < 1) {
        sources.push(await readBackward(index, 1 - weight));
        discountUnknownBackground_(sources[1], sources);
      }
      const result = select(chooseSources(sources, features.rows * features.cols));
      if (births.length) result.births = births;
      return result;
    },
    close: () => scratch.close(),
  };
}
