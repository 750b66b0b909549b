/**
 * The writing end of a run: key frames' results in, every frame out in order. A new
 * object's id comes a few key frames after it first appears (the tracker's birth window),
 * so the last `lookBack` key frames (with the frames between them, with --stride) are held
 * back and its masks painted into them; frames between two key frames are interpolated
 * when written. An id an output cannot hold stops the run at that frame, keeping the frames
 * before it.
 */
import type { Format, OutputWriter } from './export/index.js';
import type { SourceFrame } from './source-frames.js';
import { interpolateResults, paintBirth, type BackfillFrame, type FrameResult } from './track/index.js';
import type { StageClock } from './util/stage-clock.js';

/** The largest id an 8-bit DAVIS PNG can hold. */
const davisMaxId = 255;

/** The first id in a frame that an output cannot hold, if any. */
function findUnwritableId(result: FrameResult, formats: Format[]): number | undefined {
  if (!formats.includes('davis')) return undefined;
  return result.objects.find((o) => o.id > davisMaxId)?.id;
}

/**
 * Bytes the writer may hold in frames kept back for births to be painted into: a second of
 * 848x480 frames is ~50 MB, but of 1080p at 60 fps ~900 MB. Past this, fewer key frames are
 * held (no fewer than a birth window's two), and a birth is painted only into those.
 */
const heldFramesBudgetBytes = 192 * 2 ** 20;

/** Key frames the writer holds back: what the tracker asks for, within `heldFramesBudgetBytes` (RGB picture and 16-bit labels a frame). */
export function getHeldKeyFrames(lookBack: number, size: { width: number; height: number }, stride: number): number {
  const perKeyFrame = size.width * size.height * (3 + 2) * stride;
  return Math.min(lookBack, Math.max(2, Math.floor(heldFramesBudgetBytes / perKeyFrame)));
}

export interface FrameWriterOptions {
  outputs: OutputWriter;
  formats: Format[];
  clock: StageClock;
  /** Key frames held back for births to be painted into (`Tracker.lookBack`). */
  lookBack: number;
  /** Frames expected, for progress (may be an estimate); progress counts the frames tracked. */
  total: number;
  onProgress?: (done: number, total: number) => void;
  /**
   * Refines a new object's masks with the pixels of a held frame it is painted into (the
   * frames of its birth window were refined before it had an id); absent without refinement.
   * @returns the birth with pixel-accurate labels
   */
  refineBirth?: (result: FrameResult, birth: BackfillFrame, image: Buffer) => Promise<BackfillFrame>;
}

export interface FrameWriter {
  /** A key frame's result and the frames since the previous key; false when the run stops here. */
  addKeyFrame(result: FrameResult, frame: SourceFrame, before: SourceFrame[]): Promise<boolean>;
  /** Paints the tracker's last births (`Tracker.finish`) and writes every held frame; false when the run stops. */
  finish(births: BackfillFrame[] | undefined): Promise<boolean>;
  /** Frames written. */
  readonly frames: number;
  /** Distinct ids shown in the frames written. */
  readonly objects: number;
  /** Where an id no output can hold stopped the run, if it did. */
  readonly stopped: { index: number; id: number } | undefined;
}

interface HeldFrame {
  result: FrameResult;
  frame: SourceFrame;
  before: SourceFrame[];
}

export function createFrameWriter(options: FrameWriterOptions): FrameWriter {
  const { outputs, clock } = options;
  const held: HeldFrame[] = [];
  const objectIds = new Set<number>();
  let frames = 0;
  // Progress counts frames tracked, not written: the writer holds up to a second of them back.
  let tracked = 0;
  let stopped: { index: number; id: number } | undefined;
  let lastKey: FrameResult | undefined;

  /** Writes one frame; false when an id no output can hold stops the run here. */
  const write = async (result: FrameResult, { image, time }: SourceFrame): Promise<boolean> => {
    result.time = time;
    const id = findUnwritableId(result, options.formats);
    if (id !== undefined) {
      stopped = { index: result.index, id };
      return false;
    }
    await clock.timeAsync('write', () => outputs.write(result, image));
    for (const object of result.objects) if (!object.occluded) objectIds.add(object.id);
    frames++;
    return true;
  };
  const paintBirths = async (births: BackfillFrame[] | undefined): Promise<void> => {
    for (const birth of births ?? []) {
      const target = held.find((h) => h.result.index === birth.index);
      if (!target) continue;
      const { image } = target.frame;
      const { refineBirth } = options;
      const refined = refineBirth && image && birth.soft ? await clock.timeAsync('refine births', () => refineBirth(target.result, birth, image)) : birth;
      target.result = paintBirth(target.result, refined);
    }
  };
  /** Writes the oldest held key frame and the frames before it; false when the run stops there. */
  const writeOldest = async (): Promise<boolean> => {
    const { result, frame, before } = held.shift() as HeldFrame;
    for (const skipped of before) {
      const previous = lastKey as FrameResult;
      const t = (skipped.index - previous.index) / (result.index - previous.index);
      if (!(await write(clock.time('interpolate', () => interpolateResults(previous, result, t, skipped.index)), skipped))) return false;
    }
    lastKey = result;
    return write(result, frame);
  };
  return {
    async addKeyFrame(result, frame, before) {
      await paintBirths(result.births);
      // Painted into the earlier frames now: the tracker's note of them is not the frame's to carry to
      // the outputs (a library caller took trackFrames()'s `births` for something left to apply: a trial).
      delete result.births;
      held.push({ result, frame, before });
      tracked += before.length + 1;
      options.onProgress?.(tracked, Math.max(options.total, tracked));
      while (held.length > options.lookBack) if (!(await writeOldest())) return false;
      return true;
    },
    async finish(births) {
      // The end: a clip shorter than the birth window gets its objects now.
      await paintBirths(births);
      while (held.length > 0) if (!(await writeOldest())) return false;
      return true;
    },
    get frames() {
      return frames;
    },
    get objects() {
      return objectIds.size;
    },
    get stopped() {
      return stopped;
    },
  };
}
