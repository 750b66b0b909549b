import path from 'node:path';
import { UsageError } from '../errors.js';
import { createAtomicPath } from '../util/atomic-path.js';
import { removeDeadPartials } from '../util/stale-leftovers.js';
import type { VideoInfo } from '../video/index.js';
import { createCocoWriter } from './coco.js';
import { createCvatWriter } from './cvat.js';
import { createDavisWriter } from './davis.js';
import { createMotWriter } from './mot.js';
import { createNdjsonWriter } from './ndjson.js';
import { findVideoFormat, folderEntries, isVideoTarget, type Format, type OverlayMode } from './format-names.js';
import { createFramesWriter } from './frames.js';
import { checkOutputFolder, writeRunRecord } from './output-folder.js';
import { createOverlayWriter } from './overlay.js';
import { createYtvisWriter } from './ytvis.js';
import type { OutputWriter } from './types.js';
import { mkdir } from 'node:fs/promises';


export interface OutputOptions {
  target: string;
  formats: Format[];
  /** Absent when tracking from a feature cache alone. */
  video?: VideoInfo;
  fps: number;
  overlayMode?: OverlayMode;
  overwrite: boolean;
  verbose?: boolean;
}


/**
 * Opens every requested writer. A single overlay goes straight to `-o` (a video file);
 * otherwise `-o` is a directory, built as a temporary sibling and renamed into place
 * when every format is complete, so the target is either whole or absent.
 */
export async function openOutputs(options: OutputOptions): Promise<OutputWriter> {
  const { target, video } = options;
  const videoFormat = findVideoFormat(options.formats);
  if (videoFormat && !video) {
    throw new UsageError(`the ${videoFormat} format needs the input video; give the video with --features, or choose mask formats with --format`);
  }
  if (target === '-') {
    if (options.formats.length !== 1 || options.formats[0] !== 'ndjson') throw new UsageError('-o - writes to stdout, which takes only --format ndjson');
    return createNdjsonWriter('stdout', options.fps);
  }
  removeDeadPartials(target);
  if (isVideoTarget(target)) {
    if (options.formats.length !== 1 || options.formats[0] !== 'overlay') {
      throw new UsageError(`-o ${target} is a video file, which holds only the overlay; give a directory for --format ${options.formats.join(',')}`);
    }
    return createOverlayWriter({ video: video as VideoInfo, target, mode: options.overlayMode, overwrite: options.overwrite, verbose: options.verbose });
  }
  const directory = createAtomicPath(target);
  await mkdir(directory.temp, { recursive: true });
  const writers = options.formats.map((format): OutputWriter => {
    if (format === 'overlay') return createOverlayWriter({ video: video as VideoInfo, target: path.join(directory.temp, folderEntries.overlay), finalTarget: path.join(target, folderEntries.overlay), mode: options.overlayMode, verbose: options.verbose });
    if (format === 'coco') return createCocoWriter(directory.temp, options.fps);
    if (format === 'cvat') return createCvatWriter(directory.temp, options.fps);
    if (format === 'ytvis') return createYtvisWriter(directory.temp);
    if (format === 'frames') return createFramesWriter(directory.temp);
    if (format === 'mot') return createMotWriter(directory.temp);
    if (format === 'ndjson') return createNdjsonWriter(path.join(directory.temp, folderEntries.ndjson), options.fps);
    return createDavisWriter(directory.temp);
  });
  return {
    async write(result, image) {
      // Drawing the overlay paints the frame, so it goes last.
      for (const writer of writers) if (writer !== writers[options.formats.indexOf('overlay')]) await writer.write(result, image);
      const overlay = writers[options.formats.indexOf('overlay')];
      if (overlay) await overlay.write(result, image);
    },
    async finish() {
      for (const writer of writers) await writer.finish();
      await writeRunRecord(directory.temp, options.formats);
      // Checked again as it is replaced: a mask edited in the old output while this run worked
      // would be lost with it. This run's finished output is kept beside it then, not thrown away.
      try {
        checkOutputFolder(target, options.overwrite);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        const kept = await directory.keepBeside();
        throw new UsageError(`${error.message.split(';')[0]}; it changed while this run worked, so this run's output is in ${kept} instead (nothing was deleted)`);
      }
      await directory.commit(options.overwrite);
    },
    async abort() {
      await Promise.allSettled(writers.map((w) => w.abort()));
      await directory.discard();
    },
  };
}
