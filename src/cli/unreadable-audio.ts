import type { VideoInfo } from '../video/index.js';

/** A notice naming the audio streams the overlay leaves out (ffmpeg knows no decoder for them), or undefined when there are none. */
export function describeUnreadableAudio(video: VideoInfo): string | undefined {
  const streams = video.unreadableAudio;
  if (streams.length === 0) return undefined;
  const names = streams.map((s) => `#${s.index}`).join(', ');
  const rest = video.audio.length > 0 ? 'the other audio is kept' : 'the overlay has no audio';
  return `the overlay leaves out audio stream${streams.length > 1 ? 's' : ''} ${names} of ${video.path}: ffmpeg knows no decoder for ${streams.length > 1 ? 'their codecs' : 'its codec'}; ${rest}`;
}
