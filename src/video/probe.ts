import { execFile, type ExecFileException } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { ExternalError, InputError } from '../errors.js';
import { getFfmpegBinaries } from './ffmpeg-path.js';
import { toFfmpegFile } from './file-argument.js';

/** What the pipeline needs to know about an input video, in display orientation. */
export interface VideoInfo {
  path: string;
  /** The probed video stream's index in the file (cover art and thumbnails skipped); decoding maps exactly this one. */
  streamIndex: number;
  /** Display width and height: rotation metadata already applied, as ffmpeg decodes. */
  width: number;
  height: number;
  fps: number;
  /** `r_frame_rate` as ffmpeg writes it (e.g. "30000/1001"), passed back to the encoder. */
  fpsText: string;
  /** Frame count from the container, or estimated from duration × fps. */
  frameCount: number;
  frameCountIsEstimate: boolean;
  durationSeconds: number;
  rotation: number;
  /**
   * Width:height of one pixel when it is not square (e.g. "2:1" for anamorphic video), in
   * display orientation; the overlay carries it so players show the frame as the input is shown.
   */
  pixelAspect?: string;
  pixelFormat: string;
  /**
   * The video stream's own time base ("1/15360"): frame times are read in it, exactly
   * (frame-times.ts). Microseconds when the probe does not say.
   */
  timeBase: string;
  /**
   * Seconds from the container's start (its earliest stream's first timestamp, where frame
   * times count from) to the video stream's first timestamp: the overlay's picture starts
   * this late, keeping its distance from the audio (encode.ts). 0 when the probe says none.
   */
  videoDelay: number;
  /**
   * Whether the input has timestamps of its own (the probe gives the format and the video
   * stream a start_time). A raw elementary stream (.h264) has none: ffmpeg makes some up, which
   * the npm-shipped 4.1 spaced at 25 fps whatever the rate (and could start below 0), so its
   * frames are timed index / fps instead (decode.ts).
   */
  hasTimestamps: boolean;
  /**
   * The video stream's ISO 639-2 language tag, `und` (undetermined) when it has none: the
   * overlay's video stream carries it. The frames reach the encoder as Matroska, whose tracks
   * are English unless they say otherwise, and a second trial found the overlay tagged `eng`.
   */
  language: string;
  /** Every audio stream ffmpeg can decode, in file order: the overlay keeps them all. */
  audio: AudioStream[];
  /** Audio streams whose codec ffmpeg does not know (ffprobe names none, or "unknown"): the overlay cannot take them. */
  unreadableAudio: AudioStream[];
}

/** One audio stream of the input: its index in the file and its codec. */
export interface AudioStream {
  index: number;
  codec: string;
}

interface ProbeStream {
  index?: number;
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  time_base?: string;
  nb_frames?: string;
  start_time?: string;
  duration?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
  disposition?: { attached_pic?: number };
  sample_aspect_ratio?: string;
}

interface ProbeOutput {
  streams?: ProbeStream[];
  frames?: { pkt_duration?: number | string; duration?: number | string }[];
  format?: { duration?: string; format_name?: string; start_time?: string };
}

function parseRate(text: string | undefined): number {
  if (!text) return 0;
  const [num, den] = text.split('/').map(Number);
  if (!Number.isFinite(num) || !den) return 0;
  return num / den;
}

function getRotation(stream: ProbeStream): number {
  const fromSideData = stream.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  const raw = fromSideData ?? Number(stream.tags?.rotate ?? 0);
  // Normalise to 0/90/180/270 so callers can test for a quarter turn.
  return ((Math.round(raw) % 360) + 360) % 360;
}

/**
 * What to say when ffprobe died by a signal of its own (not our time limit): the file may be
 * fine. The npm-shipped one (a 2023 static build) segfaults on the MPEG-TS files tried, and 'cannot read
 * … as a video' blamed the file. Undefined when it exited on its own.
 */
function describeCrash(error: ExecFileException, ffprobe: string, source: string, file: string): string | undefined {
  if (!error.signal || error.killed) return undefined;
  // FFPROBE_PATH may name the npm package's binary too (as the CI's second run does).
  const npmShipped = source.startsWith('npm package') || ffprobe.includes('@ffprobe-installer');
  const which = npmShipped ? 'the npm-shipped ffprobe' : `ffprobe (${ffprobe}, from ${source})`;
  return `${which} crashed (${error.signal}) reading ${file}; the file may be fine${npmShipped ? ' (that ffprobe crashes on MPEG-TS files)' : ''}: install a system ffmpeg/ffprobe (apt-get install ffmpeg) or set FFPROBE_PATH to another ffprobe`;
}

function runFfprobe(file: string, show = ['-show_streams', '-show_format']): Promise<ProbeOutput> {
  const { ffprobe, ffprobeSource } = getFfmpegBinaries();
  const args = ['-v', 'error', '-print_format', 'json', ...show, toFfmpegFile(file)];
  return new Promise((resolve, reject) => {
    execFile(ffprobe, args, { maxBuffer: 16 * 1024 * 1024, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) {
        const crash = describeCrash(error, ffprobe, ffprobeSource, file);
        if (crash) {
          reject(new ExternalError(crash, { cause: error }));
          return;
        }
        const reason = stderr.trim().split('\n').pop() || error.message;
        reject(new InputError(`cannot read ${file} as a video (${reason}); check that it is a complete video file`, { cause: error }));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as ProbeOutput);
      } catch (cause) {
        reject(new ExternalError(`ffprobe printed something that is not JSON for ${file}; check FFPROBE_PATH`, { cause }));
      }
    });
  });
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The frame rate of a stream without timestamps (a raw .h264), from its first frame's duration
 * in its time base; undefined when the probe gives none. Its r_frame_rate is a guess there:
 * the npm-shipped ffprobe reads an x264 30 fps stream as 60/1 (its field rate), and the frames
 * are timed index / fps.
 */
async function readUntimedRate(file: string, stream: number, timeBase: string): Promise<{ fps: number; fpsText: string } | undefined> {
  const output = await runFfprobe(file, ['-select_streams', String(stream), '-read_intervals', '%+#1', '-show_entries', 'frame=pkt_duration,duration']);
  const first = output.frames?.[0];
  const ticks = Number(first?.duration ?? first?.pkt_duration);
  const [num, den] = timeBase.split('/').map(Number);
  if (!(Number.isInteger(ticks) && ticks > 0)) return undefined;
  const fps = den / (num * ticks);
  const divisor = gcd(den, num * ticks);
  return fps > 0 && fps < 1000 ? { fps, fpsText: `${den / divisor}/${(num * ticks) / divisor}` } : undefined;
}

/** A stream's pixel aspect ratio when it is not square ("N/A", "0:1" and "1:1" are square), turned with the frame. */
function getPixelAspect(stream: ProbeStream, quarterTurn: boolean): string | undefined {
  const match = /^(\d+):(\d+)$/.exec(stream.sample_aspect_ratio ?? '');
  if (!match) return undefined;
  const [, across, down] = match;
  if (across === down || Number(across) === 0 || Number(down) === 0) return undefined;
  return quarterTurn ? `${down}:${across}` : `${across}:${down}`;
}

/** Whether ffmpeg knows the stream's codec: a track tagged with a codec id it does not know probes as "unknown" (or none), and mapping it fails the whole encoding. */
function isReadable(stream: ProbeStream): boolean {
  return Boolean(stream.codec_name) && stream.codec_name !== 'unknown';
}

function describeAudio(stream: ProbeStream): AudioStream {
  return { index: stream.index ?? 0, codec: stream.codec_name ?? 'unknown' };
}

/** Whether ffprobe gave a time ("N/A" or nothing when the input has none). */
function isTime(text: string | undefined): boolean {
  return text !== undefined && text.trim() !== '' && Number.isFinite(Number(text));
}

/** The video stream's start after the container's (ffprobe writes "N/A" or nothing when unknown): never negative. */
function getVideoDelay(video: ProbeStream, formatStart: string | undefined): number {
  const delay = Number(video.start_time) - Number(formatStart);
  return Number.isFinite(delay) && delay > 0 ? delay : 0;
}

/**
 * Probes a video with ffprobe: display size, frame rate, frame count, rotation, audio.
 * @throws InputError when the file is missing, not a video, or has no video stream.
 */
export async function probeVideo(file: string): Promise<VideoInfo> {
  const info = await stat(file).catch((cause: NodeJS.ErrnoException) => {
    throw new InputError(`input ${file} does not exist or cannot be read (${cause.code}); check the path`, { cause });
  });
  if (info.isDirectory()) throw new InputError(`input ${file} is a directory; give a video file (use \`dino-track batch\` for folders)`);
  // A pipe (`<(cat in.mp4)`, /dev/stdin) was called empty: its size is 0. It cannot be read twice (probe, then decode).
  if (!info.isFile()) throw new InputError(`input ${file} is a pipe or a device, not a file; save the stream to a file first`);
  if (info.size === 0) throw new InputError(`input ${file} is empty; give a video file`);

  const output = await runFfprobe(file);
  const streams = output.streams ?? [];
  const video = streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!video || !video.width || !video.height) {
    throw new InputError(`input ${file} has no video stream; give a video file`);
  }
  const audio = streams.filter((s) => s.codec_type === 'audio');
  let fps = parseRate(video.r_frame_rate);
  let fpsText = video.r_frame_rate ?? '';
  if (!(fps > 0 && fps < 1000)) {
    fps = parseRate(video.avg_frame_rate);
    fpsText = video.avg_frame_rate ?? '';
  }
  const hasTimestamps = isTime(video.start_time) && isTime(output.format?.start_time);
  const timeBase = /^[1-9]\d*\/[1-9]\d*$/.test(video.time_base ?? '') ? (video.time_base as string) : '1/1000000';
  const untimed = hasTimestamps ? undefined : await readUntimedRate(file, video.index ?? 0, timeBase);
  if (untimed) ({ fps, fpsText } = untimed);
  const durationSeconds = Number(video.duration ?? output.format?.duration ?? 0) || 0;
  const formatName = output.format?.format_name ?? '';
  // Still images probe as one-frame "videos"; tracking them makes no sense.
  if (/(^|,)(image2|png_pipe|jpeg_pipe|webp_pipe|bmp_pipe|gif_pipe|tiff_pipe)(,|$)/.test(formatName) || !(fps > 0)) {
    throw new InputError(`input ${file} is an image, not a video; give a video file`);
  }
  const { frameCount, frameCountIsEstimate } = countFrames(Number(video.nb_frames ?? 0), durationSeconds, fps, parseRate(video.avg_frame_rate));
  const rotation = getRotation(video);
  const quarterTurn = rotation === 90 || rotation === 270;
  return {
    path: file,
    streamIndex: video.index ?? 0,
    width: quarterTurn ? video.height : video.width,
    height: quarterTurn ? video.width : video.height,
    fps,
    fpsText,
    frameCount,
    frameCountIsEstimate,
    durationSeconds,
    rotation,
    pixelAspect: getPixelAspect(video, quarterTurn),
    pixelFormat: video.pix_fmt ?? 'unknown',
    language: getLanguage(video),
    videoDelay: getVideoDelay(video, output.format?.start_time),
    hasTimestamps,
    timeBase,
    audio: audio.filter(isReadable).map(describeAudio),
    unreadableAudio: audio.filter((s) => !isReadable(s)).map(describeAudio),
  };
}

/** A stream's language tag when it is one (three letters, ISO 639-2), else `und`. */
function getLanguage(stream: { tags?: Record<string, string> }): string {
  const tag = stream.tags?.language ?? '';
  return /^[a-z]{3}$/i.test(tag) ? tag.toLowerCase() : 'und';
}

/** How far a container's frame count may stray from duration × average rate and still be taken as exact: a frame (the last one's duration, rounding). */
const countTolerance = 1;

/**
 * The frame count, and whether it is only an estimate. The container's count is exact unless the
 * stream's duration at its average rate does not bear it out: an MP4 cut without re-encoding
 * (`ffmpeg -ss … -c copy`, a phone's trim) keeps the samples before the cut with an edit list that
 * skips them, and nb_frames counts them all (a review: 40 where 27 decode, and 400 where 395) while
 * the average rate stays the stream's. The average, not the nominal rate: a variable-rate video's
 * nominal rate is its highest, and its exact count was taken for an estimate (a review). Of the two
 * counts the smaller is then the estimate.
 */
function countFrames(containerCount: number, durationSeconds: number, fps: number, averageRate: number): { frameCount: number; frameCountIsEstimate: boolean } {
  const timed = Math.max(1, Math.round(durationSeconds * fps));
  if (!(containerCount > 0)) return { frameCount: timed, frameCountIsEstimate: true };
  const rate = averageRate > 0 && averageRate < 1000 ? averageRate : fps;
  const agrees = !(durationSeconds > 0) || Math.abs(containerCount - durationSeconds * rate) <= countTolerance;
  return agrees ? { frameCount: containerCount, frameCountIsEstimate: false } : { frameCount: Math.min(containerCount, timed), frameCountIsEstimate: true };
}
