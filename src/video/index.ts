/** Video stage: find ffmpeg, probe, decode to RGB frames, encode RGB frames. */
export { decodeVideo, type DecodedFrame, type Decoder, type DecodeOptions } from './decode.js';
export { encodeVideo, getOverlayMark, type Encoder, type EncodeOptions } from './encode.js';
export { askFfmpegVersion, getFfmpegBinaries } from './ffmpeg-path.js';
export { getVideoFingerprint } from './fingerprint.js';
export { probeVideo, type VideoInfo } from './probe.js';
