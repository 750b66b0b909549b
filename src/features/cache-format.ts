/** The feature cache's format tag and metadata (DESIGN, "Feature cache"). */
export const cacheFormat = 'dino-track-features/1';

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
