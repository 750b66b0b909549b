import { InputError, UsageError } from '../../errors.js';
import { averageHeads } from '../attention-mask.js';
import { readInitMask } from '../init-mask.js';
import { resizeLabels } from '../resize-labels.js';
import type { Discovered } from '../discover.js';
import { paintLabels } from '../multi/painting.js';
import type { BackfillFrame, FrameFeatures, FrameResult, Tracker } from '../types.js';
import { getPrototypes } from '../reanchor.js';
import { anchorAtPrompt_, createDirection, getFrameTokens, stepDirection_, type StepOptions } from './direction.js';
import { describePromptedFrame, selectLabels, type LabelGeometry, type WeightedSoft } from './soft-labels.js';
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

/**
 * Every id the prompts mark, and each id's look where a prompt first marks it (unit mean of
 * its patches' centred tokens), read one prompt at a time, in frame order, before the passes.
 * The forward direction knows every prompted object from its start, not only from the prompts
 * it has passed: going forwards from a prompt that leaves out an object marked only later (it
 * comes into view after the first prompt), that object was unknown until its own prompt, and
 * propagation gave its patches to a look-alike meanwhile (trial 10). Forwards only: the
 * forward direction passes the prompts in their order, so one that erased an object decides
 * before the object could come back; seeded going backwards, an object erased at a middle
 * prompt and hidden at the last came back between them (a review).
 * @throws UsageError past `maxObjects`, InputError when none marks an object
 */
async function readPromptObjects(options: MultiPromptOptions, frames: number[], promptAt: Map<number, string>): Promise<{ ids: number[]; looks: Map<number, Float32Array> }> {
  const looks = new Map<number, Float32Array>();
  const ids = new Set<number>();
  for (const index of frames) {
    const labels = await readInitMask(promptAt.get(index) as string, options.width, options.height, options.option, true);
    for (const id of new Set(labels)) if (id !== 0) ids.add(id);
    const unseen = [...ids].filter((id) => !looks.has(id));
    if (unseen.length === 0) continue;
    const features = await options.features.readFrame(index);
    const grid = resizeLabels(labels, options.width, options.height, features.cols, features.rows);
    for (const [id, look] of getPrototypes(grid, getFrameTokens(features).centred, features.dim, unseen)) looks.set(id, look);
  }
  if (ids.size === 0) {
    const what = options.prompts.length === 1 ? `${options.option} ${options.prompts[0].file}` : `${options.source}: none of its PNGs`;
    throw new InputError(`${what} marks no object (every pixel is 0); label objects 1, 2, …`);
  }
  if (ids.size > options.maxObjects) throw new UsageError(`${options.source} marks ${ids.size} objects, more than --max-objects ${options.maxObjects}; raise --max-objects`);
  return { ids: [...ids].sort((a, b) => a - b), looks };
}

/**
 * The ids `--discover` may give going backwards: the next free ones after the prompts',
 * as many as `--max-objects` leaves (discovery never exceeds it), so the scratch file
 * has a place for each before any is found.
 */
function getDiscoverableIds(options: MultiPromptOptions, ids: number[]): number[] {
  if (!options.discover) return [];
  const first = Math.max(0, ...ids) + 1;
  return Array.from({ length: Math.max(0, options.discover.maxObjects - ids.length) }, (_, k) => first + k);
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

/**
 * Backwards from the last prompt to frame 0, over the key frames: each prompt re-anchors
 * the propagation, every other frame's soft labels go to the scratch file (the forward
 * pass reads them back in order). With `--discover` it finds objects too (an object seen
 * only before a prompt would otherwise never be found).
 * @returns the objects it discovered: id → unit mean feature where it was found
 */
async function runBackwardPass(options: MultiPromptOptions, ids: number[], scratch: SoftScratch, promptAt: Map<number, string>, last: number): Promise<Map<number, Float32Array>> {
  const backward = createDirection(ids);
  const step = options;
  let total = 0;
  for (let index = last; index >= 0; index--) if (options.isKeyFrame(index)) total++;
  let done = 0;
  for (let index = last; index >= 0; index--) {
    if (!options.isKeyFrame(index)) continue;
    const features = await options.features.readFrame(index);
    const tokens = getFrameTokens(features);
    const file = promptAt.get(index);
    if (file !== undefined) {
      const labels = await readInitMask(file, options.width, options.height, options.option, true);
      anchorAtPrompt_(backward, index, resizeLabels(labels, options.width, options.height, features.cols, features.rows), tokens, features.dim);
    } else {
      await scratch.write(index, await stepDirection_(backward, features, tokens, step));
      await backfillScratch(scratch, backward.born, promptAt);
    }
    options.onBackward?.(++done, total);
  }
  const discovered = new Map<number, Float32Array>();
  for (const id of backward.ids) {
    if (id === 0 || ids.includes(id)) continue;
    // One the backward pass found and a prompt then erased (going backwards) is still the same object.
    const prototype = backward.prototypes.get(id) ?? backward.rejected.get(id);
    if (prototype) discovered.set(id, prototype);
  }
  return discovered;
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
  const { ids, looks } = await readPromptObjects(options, frames, promptAt);
  const { rows, cols } = await options.features.readFrame(0);
  const scratch = await openSoftScratch([0, ...ids, ...getDiscoverableIds(options, ids)], rows * cols);
  let discovered: Map<number, Float32Array>;
  try {
    discovered = await runBackwardPass(options, ids, scratch, promptAt, frames[frames.length - 1]);
  } catch (error) {
    await scratch.close();
    throw error;
  }
  // Objects the backward pass discovered keep their ids going forwards: they are carried
  // from the start (frames before the first prompt show them), and once the first prompt
  // has anchored the forward direction their features are known, so that re-anchoring
  // finds them after it under the same id and discovery does not give them a second one.
  // The first prompt does not erase them: going forwards nothing had been found yet.
  const forward = createDirection([...ids, ...discovered.keys()]);
  for (const [id, look] of looks) forward.prototypes.set(id, look);
  const readBackward = async (index: number): Promise<Map<number, Float32Array>> => {
    const soft = await scratch.read(index);
    if (!soft) throw new Error(`internal: no backward soft labels for frame ${index}`);
    return soft;
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
        anchorAtPrompt_(forward, index, resizeLabels(labels, width, height, features.cols, features.rows), getFrameTokens(features), features.dim);
        if (first) for (const [id, prototype] of discovered) if (!forward.prototypes.has(id)) forward.prototypes.set(id, prototype);
        return describe(labels);
      }
      if (forward.anchorFrame === undefined) return select([{ soft: await readBackward(index), weight: 1 }]);
      const soft = await stepDirection_(forward, features, getFrameTokens(features), options);
      const births = getBirths(forward.born, promptAt, features, width, height);
      const next = frames.find((frame) => frame > index);
      const weight = next === undefined ? 1 : (next - index) / (next - forward.anchorFrame);
      const result = select(weight === 1 ? [{ soft, weight }] : [{ soft, weight }, { soft: await readBackward(index), weight: 1 - weight }]);
      if (births.length) result.births = births;
      return result;
    },
    close: () => scratch.close(),
  };
}
