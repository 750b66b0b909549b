/** The feature cache's format tag and metadata (DESIGN, "Feature cache"). */
export const cacheFormat = 'dino-track-features/1';

/**
 * Optional tensor [T, 2] F32: each frame's time in seconds from the container's start (the
 * times the video's own run writes), so that a run from the cache alone writes the same
 * times, variable frame rates included. float32 alone keeps 7 digits (60 µs at 1000 s), so
 * a time is stored as two: its float32 rounding and the remainder (hi + lo). F32 because
 * older readers take no other dtype; they ignore the tensor.
 */
export const frameTimeTensor = 'frame_time';

/** A time as the float32 pair frameTimeTensor stores. */
export function splitFrameTime(seconds: number): Float32Array {
  const hi = Math.fround(seconds);
  return Float32Array.of(hi, seconds - hi);
}

export interface CacheMetadata {
  format: string;
  patch_size: number;
  /** The original video's size: masks are written at this size. */
  frame_width: number;
  frame_height: number;
  fps: number;
  model: string;
  /** The video file the features were made from (`getVideoFingerprint`), when there was one. */
  source?: string;
}
