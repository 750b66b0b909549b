import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * ffmpeg's `framecrc` muxer writes one line per frame (`stream, dts, pts, duration, size,
 * crc`) after a `#tb 0: num/den` header. The decoder sends a tiny copy of every frame to
 * it, so each line is the presentation time of the frame on the pixel pipes, in order.
 *
 * The times are in the encoder's time base, which ffmpeg otherwise guesses from the frame
 * rate (1/30 for a 30+60 fps concatenation: 90 frames, 61 distinct times); set to the input
 * stream's own `timeBase` ("1/15360"), each is the frame's presentation time exactly, with no
 * second decode. ffmpeg counts them from the container's start (its start_time), as players do.
 */
export function getFrameTimeOutput(timeBase: string): string[] {
  return ['-c:v', 'rawvideo', '-enc_time_base', timeBase.replace('/', ':'), '-f', 'framecrc', '-flush_packets', '1'];
}

/** Presentation times in seconds, one per decoded frame, read from `framecrc` text. */
export async function* readFrameTimes(stream: Readable): AsyncGenerator<number> {
  let timeBase = 0;
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) {
    const header = /^#tb 0: (\d+)\/(\d+)/.exec(line);
    if (header) timeBase = Number(header[1]) / Number(header[2]);
    if (line.startsWith('#') || !line.trim()) continue;
    const pts = Number(line.split(',')[2]);
    // The first frame's time is what the file says; 0 only if ffmpeg printed no time base.
    yield Number.isFinite(pts) ? pts * timeBase : 0;
  }
}
