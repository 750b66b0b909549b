import path from 'node:path';

/**
 * A file path as ffmpeg and ffprobe must be given it: absolute. ffmpeg reads `name:` at the
 * start of an argument as a protocol, so a relative `cam:1.mp4` or `2024-01-01T10:30:00.mp4`
 * failed with "Protocol not found"; a path that starts with `/` never has a protocol.
 * Every path handed to either of them goes through here.
 */
export function toFfmpegFile(file: string): string {
  return path.resolve(file);
}
