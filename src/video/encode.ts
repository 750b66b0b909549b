import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { ExternalError } from '../errors.js';
import { getPassthroughArgs } from './ffmpeg-path.js';
import { startFfmpeg, type FfmpegProcess } from './ffmpeg-process.js';
import { toFfmpegFile } from './file-argument.js';
import { getMatroskaFramePrefix, getMatroskaHeader } from './matroska-pipe.js';
import type { VideoInfo } from './probe.js';

/**
 * Audio codecs an MP4 can carry as they are, on every ffmpeg dino-track runs with; anything
 * else is re-encoded to AAC. Not Opus or FLAC: ffmpeg 4.1 (the npm-shipped one) refuses both
 * in MP4 and ffmpeg 5.1 FLAC ("experimental, add '-strict -2'"; it copies Opus), and an overlay written with
 * an experimental mapping may not play.
 */
const mp4AudioCodecs = new Set(['aac', 'mp3', 'ac3', 'eac3', 'alac']);

/** What ffmpeg prints where the disk (or the user's quota on it) is full. */
const diskFull = /No space left on device|Disk quota exceeded/i;

/**
 * The comment every overlay carries in its MP4 metadata (in the `moov` box, which +faststart
 * puts before the frames): the file name it was written as and a tag of its folder's real path,
 * so that `--overwrite` replaces only the file at the place it was written. ffmpeg copies
 * metadata into what it makes of a file, so without the name a user's re-encode of an overlay
 * (`ffmpeg -i o.mp4 … re.mp4`) passed for ours (a trial); without the folder a byte copy kept
 * elsewhere under the same name did. The folder goes in as a hash, so the video does not show
 * the user's name and folders (a guess at the path can still be checked against it). A folder
 * moved or renamed since makes the overlay the user's: refused by `--overwrite`, the safe side.
 */
export function getOverlayMark(file: string): string {
  const folder = getRealFolder(path.dirname(path.resolve(file)));
  const tag = createHash('sha256').update(folder).digest('hex').slice(0, overlayFolderTagLength);
  return `written by dino-track as ${path.basename(file)} in folder ${tag}`;
}

/** A folder's real path; one that does not exist yet (an output folder before its run is put in place) under its parent's. */
function getRealFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    const parent = path.dirname(folder);
    return parent === folder ? folder : path.join(getRealFolder(parent), path.basename(folder));
  }
}

/** Hex digits of the folder's hash in the overlay mark: 48 bits, no chance match between a user's folders. */
const overlayFolderTagLength = 12;

/** What to do next when the overlay's ffmpeg fails, from what it printed (see startFfmpeg). */
export function adviseOnEncoding(output: string): string {
  if (diskFull.test(output)) return 'free disk space where -o points, or write elsewhere';
  if (/Permission denied|Read-only file system/i.test(output)) return 'give an -o you can write to';
  if (/Error initializing output stream|experimental|not currently supported in container|Could not find tag for codec/i.test(output)) {
    return 'the input has a stream the MP4 cannot take; write masks only (--format davis) or convert the input first (ffmpeg -i IN -c:v copy -c:a aac IN.mp4)';
  }
  return 'run again with --verbose to see what ffmpeg printed, or write masks only (--format davis)';
}

export interface EncodeOptions {
  video: VideoInfo;
  /** Where ffmpeg writes: a temporary sibling of the real target. */
  outputPath: string;
  /** Where the overlay will be once in place (not the temporary file), whose name and folder its mark carries (getOverlayMark). */
  target: string;
  /** Take the audio from this file (the input) when it has an audio stream. */
  audioFrom?: string;
  verbose?: boolean;
}

/** Feeds RGB24 frames to ffmpeg, which writes an H.264 MP4. */
export interface Encoder {
  /** Writes one frame shown at `seconds`, waiting while ffmpeg's pipe is full. */
  write(frame: Buffer, seconds: number): Promise<void>;
  /** Closes the input and waits for ffmpeg to finish the file. */
  finish(): Promise<void>;
  /** Kills ffmpeg; the partial file is the caller's to delete. */
  abort(): void;
}

function buildArgs(options: EncodeOptions): string[] {
  const { video, outputPath, audioFrom } = options;
  // Frames arrive in Matroska with their own timestamps (matroska-pipe.ts), kept as they are.
  const withAudio = Boolean(audioFrom && video.audio.length);
  // ffmpeg starts each input at 0, which lost a picture's delay after its sound (a video
  // starting 0.5 s late came out 0.5 s early): the frames' input starts that much later. The
  // audio, read from the input, starts at its own distance from the container's start. Not
  // -copyts: it also turns off ffmpeg's repair of timestamp jumps, and the audio of a joined
  // MPEG-TS (its times start again at the join) came out squeezed into 1-tick steps.
  const args = withAudio ? ['-itsoffset', String(video.videoDelay)] : [];
  args.push('-f', 'matroska', '-i', 'pipe:0');
  // Every audio stream (languages, commentary) ffmpeg can decode, as the input has them; one
  // it cannot (an unknown codec id) failed the whole overlay with `-map 1:a`.
  if (withAudio) args.push('-i', toFfmpegFile(audioFrom as string), '-map', '0:v:0', ...video.audio.flatMap((a) => ['-map', `1:${a.index}`]));
  const filters: string[] = [];
  // yuv420p needs even sizes: pad odd ones by one pixel rather than fail, a pixel that repeats
  // the picture's edge (pad alone paints it black: a line a first-time user saw).
  if (video.width % 2 !== 0 || video.height % 2 !== 0) filters.push('pad=ceil(iw/2)*2:ceil(ih/2)*2', `fillborders=right=${video.width % 2}:bottom=${video.height % 2}:mode=smear`);
  // Non-square pixels (anamorphic video): the frames are the stored pixels, so the overlay keeps their shape, or players squash it.
  if (video.pixelAspect) filters.push(`setsar=${video.pixelAspect.replace(':', '/')}`);
  if (filters.length) args.push('-vf', filters.join(','));
  // No B-frames: with them the MP4 needs an edit list, and ffmpeg 4.1 (the npm-shipped one)
  // writes it a frame short on variable-frame-rate timestamps, so players drop the last frame.
  args.push(...getPassthroughArgs(), '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-bf', '0', '-pix_fmt', 'yuv420p');
  if (withAudio) video.audio.forEach(({ codec }, k) => args.push(`-c:a:${k}`, mp4AudioCodecs.has(codec) ? 'copy' : 'aac'));
  // One default audio stream, the first: players such as QuickTime and Safari play every stream
  // marked default at once, and an input may mark them all (ffmpeg copies its marks).
  if (withAudio && video.audio.length > 1) args.push('-disposition:a', '0', '-disposition:a:0', 'default');
  // The input's video language (or und): the Matroska pipe's track would otherwise read as English (probe.ts, language).
  args.push('-metadata:s:v:0', `language=${video.language}`);
  // The mark that lets a later --overwrite tell our overlay from a user's file (cli/own-outputs.ts).
  args.push('-metadata', `comment=${getOverlayMark(options.target)}`);
  args.push('-movflags', '+faststart', '-f', 'mp4', '-y', toFfmpegFile(outputPath));
  return args;
}

function writeChunk(stdin: Writable, frame: Buffer, ffmpeg: FfmpegProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = stdin.write(frame, (error) => {
      // A closed pipe means ffmpeg died; its own last words (disk full, killed…) say why.
      if (error) ffmpeg.exited.then(() => reject(new ExternalError(`ffmpeg stopped accepting frames (${error.message})`, { cause: error })), reject);
    });
    if (ok) resolve();
    else {
      const onDrain = (): void => {
        ffmpeg.child.off('close', onClose);
        resolve();
      };
      const onClose = (): void => {
        stdin.off('drain', onDrain);
        ffmpeg.exited.then(
          () => reject(new ExternalError('ffmpeg exited before all frames were written')),
          reject,
        );
      };
      stdin.once('drain', onDrain);
      ffmpeg.child.once('close', onClose);
    }
  });
}

/**
 * What ffmpeg prints when the file it wrote is broken, though it exits 0: ffmpeg 4.1 (the
 * npm-shipped one) on a full disk reports `Error writing trailer of …: No space left on device`
 * and exits 0, with an MP4 missing its index (a first-time user's overlay, renamed into place
 * and said written).
 */
const brokenOutput = new RegExp(`Error writing trailer|${diskFull.source}`, 'i');

/** Starts an ffmpeg that encodes RGB24 frames of the video's size to an H.264 MP4. */
export function encodeVideo(options: EncodeOptions): Encoder {
  const ffmpeg = startFfmpeg(buildArgs(options), ['pipe', 'ignore', 'pipe'], 'encoding the overlay video', options.verbose, adviseOnEncoding, brokenOutput);
  const stdin = ffmpeg.child.stdin as Writable;
  // A dying ffmpeg surfaces through `exited`; this only keeps EPIPE from being unhandled.
  stdin.on('error', () => undefined);
  // ffmpeg that fails early (it cannot create the output, the disk is full) must stop the
  // run at the next frame, not after the whole video has been decoded and tracked.
  let failure: unknown;
  ffmpeg.exited.catch((error: unknown) => (failure = error));
  let started = false;
  return {
    async write(frame, seconds) {
      if (failure) throw failure;
      if (!started) await writeChunk(stdin, getMatroskaHeader(options.video.width, options.video.height, options.video.fps), ffmpeg);
      started = true;
      await writeChunk(stdin, getMatroskaFramePrefix(seconds, frame.length), ffmpeg);
      await writeChunk(stdin, frame, ffmpeg);
    },
    async finish() {
      stdin.end();
      await ffmpeg.exited;
    },
    abort: () => ffmpeg.kill(),
  };
}
