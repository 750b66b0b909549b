import type { UnitRows } from '../patch-features.js';
import type { ContextFrame } from '../propagation.js';
import type { Proposal } from '../proposals.js';
import type { Candidate } from './births.js';
import type { Fade, Sighting } from './fading.js';
import type { Motion } from './motion.js';
import type { MultiTrackerTuning } from './tuning.js';

/** One tracked object. */
export interface Track {
  id: number;
  prototype: Float32Array;
  motion: Motion;
  /** Consecutive frames its region was not attended as an object is (it may have slid onto the background). */
  unattended: number;
  /** Its sightings over the fade window, for telling whether it faded out of sight. */
  sightings: Sighting[];
  /** While hidden: how it faded out of sight, if it did (then its unseen slivers do not count as hidden). */
  fade?: Fade;
  /** It shared one region with another track in its last frame (two objects merged). */
  merged: boolean;
  /** The largest usual size it has had (patches): how large the object is when half of it is behind a pillar. */
  peakArea?: number;
  /** It was born in two sides, split by something in front, and has not been seen as one region as large since (pieces.ts isBridgedSide). */
  bornSplit?: boolean;
  /** Its motion before this frame's region was claimed (for sharing that region after all). */
  before?: Motion;
  /** Its own region in its last frame: not the pieces it took, nor what propagation alone added (pieces.ts isContinuedSide). */
  held?: Uint8Array;
  /** The pieces of it (regions apart from its own) it took in its last frame (pieces.ts isContinuedSide). */
  pieces?: Uint8Array;
  /** Frames in a row, up to its last, in which it took pieces. */
  pieceFrames?: number;
  /** The most patches it has held in one frame, its region and pieces together: how large an object seen in parts is. */
  peakHeld?: number;
  /**
   * What it held (region and pieces) in its last near-full view, where its centre was then
   * (`centre`) and at which step: where its object is, parts hidden behind something in front
   * included (pieces.ts isHiddenPart).
   */
  footprint?: { mask: Uint8Array; area: number; centre: [number, number]; step: number };
  /** How wide (patches, across a pillar) the object has shown to be, its two sides together, once it was seen coming out on the far side of something wider than its near side (pieces.ts isEmergingSide), and where the pillar's far edge is (pieces.ts measureSpan). */
  span?: { length: number; edge: 0 | 1 | 2 | 3; at: number };
  /** While it has a `span`: the least its near side and the most its far side have been since, and frames since either was passed (pieces.ts keepSpan_). */
  spanSides?: { near: number; far: number; still: number };
}

/** One frame's work: what the steps below share. */
export interface FrameState {
  index: number;
  /** Frames this tracker has seen, this one included (`index` counts video frames, which --stride skips). */
  step: number;
  rows: number;
  cols: number;
  tokens: Float32Array;
  attention: Float32Array;
  heads: number;
  dim: number;
  propagated: Map<number, Float32Array>;
  /** This frame's attention regions, grown by features. */
  proposals: Proposal[];
  /** id → patch mask claimed this frame. */
  masks: Map<number, Uint8Array>;
  scores: Map<number, number>;
  /** id → the pieces that track took this frame (absorbPieces): its `pieces` in the next. */
  pieces: Map<number, Uint8Array>;
}

/** The tracker's settings, in frames of this video (from `TrackerOptions` and the tuning). */
export interface TrackerSettings {
  width: number;
  height: number;
  maxObjects: number;
  occlusionFrames: number;
  birthFrames: number;
  /** Frames before a birth it is painted into, at most (the birth window's, or `paintBackSeconds`). */
  paintBackFrames: number;
  /** How fast a hidden track's velocity decays a frame. */
  decay: number;
  fadeFrames: number;
  motionFrames: number;
  /** Leave labels unpainted: the caller refines them (`TrackerOptions.labelsRefined`). */
  labelsRefined: boolean;
  tuning: MultiTrackerTuning;
}

/** What the tracker carries from frame to frame. */
export interface TrackerState {
  settings: TrackerSettings;
  tracks: Track[];
  /** Regions that may become objects once they have behaved like one for the birth window. */
  candidates: Candidate[];
  /** Label propagation's context: the last frames' tokens and claimed masks. */
  context: ContextFrame[];
  /**
   * Arrays for the next frame's getUnitRows to overwrite instead of allocating: the raw rows
   * of the frame that just left `context`, and the centred rows of the last frame. A frame's
   * centred rows are read during its own update only, its raw rows also while it is in
   * `context`; prototypes and proposals are copies, not views.
   */
  spareRows?: UnitRows;
  nextId: number;
  framesSeen: number;
  last?: { rows: number; cols: number };
}
