import type { Similarity } from './similarity.js';

/** One frame's model outputs, as the tracker sees them. */
export interface FrameFeatures {
  index: number;
  rows: number;
  cols: number;
  heads: number;
  dim: number;
  /** `[heads, rows*cols]` */
  clsAttention: Float32Array;
  /** `[rows*cols, dim]` */
  patchTokens: Float32Array;
}

/** One tracked object in one frame. */
export interface TrackedObject {
  id: number;
  /** Pixels in the frame's label map; 0 while occluded. */
  area: number;
  /** `[x, y, width, height]` in pixels; zeros while occluded. */
  bbox: [number, number, number, number];
  score: number;
  occluded: boolean;
}

/** The tracker's answer for one frame. */
export interface FrameResult {
  index: number;
  /** Seconds from the start: the input frame's own timestamp, set by the pipeline; absent → `index / fps`. */
  time?: number;
  width: number;
  height: number;
  /** `[height, width]` 0 = background, else the object's track id. */
  labels: Uint16Array;
  objects: TrackedObject[];
  /** Head-averaged attention `[rows, cols]`, for the heatmap overlay. */
  attention: Float32Array;
  rows: number;
  cols: number;
  /**
   * The soft masks on the patch grid, `[rows*cols]` in [0, 1] (0.5 = the edge `labels` were cut
   * at), for pixel refinement: each visible object's, and possibly ids propagation still carries
   * where they are not visible (low values). Absent on interpolated frames and on
   * prompted frames (their labels are the prompt's own); a birth painted into a frame afterwards
   * (an object's first frames) is not in it (empty when that is the frame's only object).
   */
  soft?: Map<number, Float32Array>;
  /**
   * The tracker's: objects born in this frame, to be painted into the earlier frames that led to
   * their birth (at most `Tracker.lookBack` back). The frame writer paints them and drops the
   * list, so the frames `trackFrames()` yields and the outputs never carry it.
   */
  births?: BackfillFrame[];
}

/** A new object's pixels in an earlier frame: `labels` `[height, width]` hold only the new ids (0 elsewhere). */
export interface BackfillFrame {
  index: number;
  labels: Uint16Array;
  /** The new object's patch mask there (id → `[rows*cols]`), for pixel refinement of the frame it is painted into. */
  soft?: Map<number, Float32Array>;
  /** The new objects' confidence there (`TrackedObject.score`); 1 when absent. */
  score?: number;
}

/** A stage that turns per-frame features into labelled masks with stable ids. */
export interface Tracker {
  /** @param image the frame `[height, width, 3]` RGB24 when the video is at hand, for refinement */
  update(features: FrameFeatures, image?: Uint8Array): Promise<FrameResult>;
  /** Releases what the tracker holds outside memory (a scratch file); called once, after the last update or an error. */
  close?(): Promise<void>;
  /** How many frames (the tracker's own, i.e. key frames) a result's `births` may reach back; absent = 0. */
  lookBack?: number;
  /** At the end of the input: objects of a clip too short for the birth window, painted into its frames. */
  finish?(): Promise<BackfillFrame[]>;
}

export interface TrackerOptions {
  /** Output mask size: the video's frame size. */
  width: number;
  height: number;
  fps: number;
  /** Share of attention mass kept as foreground (DINO's threshold). */
  threshold: number;
  /** Most objects tracked at once. */
  maxObjects: number;
  /** Frames an object may be fully hidden and keep its id (about 2 s by default); the frames it fades out and back in do not count. */
  occlusionFrames?: number;
  /** Patch similarity; defaults to the JavaScript one (the pipeline passes onnxruntime's). */
  similarity?: Similarity;
  /**
   * The caller refines every result that has soft masks (pixel refinement), which replaces its
   * labels and its visible objects' areas and boxes: the tracker then leaves `labels` 0 and
   * those areas and boxes empty instead of painting them from the patch grid, work thrown away
   * (upsampling every mask and a pass over every pixel: ~4 ms of the main thread a frame at
   * 480 lines). Results without soft masks have no object in view, so their zero labels are right.
   */
  labelsRefined?: boolean;
}
