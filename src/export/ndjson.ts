import { nameFileError, type FileErrorFixes } from '../errors.js';
import { openStreamWriter, type StreamWriter } from '../util/stream-writer.js';
import { encodeCocoRle } from './coco-rle.js';
import { formatScore, getFrameTime } from './frame-file.js';
import type { OutputWriter } from './types.js';

/** What to do when stdout (`-o -`) is refused: "choose another -o" was no help there (a first-time user, `> /dev/full`). */
const stdoutFixes: FileErrorFixes = {
  full: 'free some space, or redirect stdout to a file on a disk with space',
  denied: 'redirect stdout to a file this user may write',
};

/** The stdout writer with a refusal of the system (disk full, …) said as stdout's, with its own fix. */
function nameStdoutErrors(stream: StreamWriter): StreamWriter {
  const named = (work: Promise<void>): Promise<void> => work.catch((error: unknown) => {
    throw nameFileError(error, 'the ndjson to stdout', stdoutFixes);
  });
  return { write: (chunk) => named(stream.write(chunk)), end: () => named(stream.end()), destroy: () => stream.destroy() };
}

/**
 * `ndjson`: one JSON object per frame, written as soon as the frame is done, so a
 * downstream process reads as we go. To stdout with `-o -`, else to a file.
 */
export function createNdjsonWriter(target: string | 'stdout', fps: number): OutputWriter {
  const stream = target === 'stdout' ? nameStdoutErrors(openStreamWriter(process.stdout, true)) : openStreamWriter(target);
  return {
    async write(result) {
      const line = JSON.stringify({
        frame: result.index,
        time: getFrameTime(result, fps),
        objects: result.objects.map((o) => ({
          id: o.id,
          bbox: o.bbox,
          area: o.area,
          score: formatScore(o.score),
          occluded: o.occluded,
          rle: o.occluded ? null : encodeCocoRle(result.labels, o.id, result.width, result.height),
        })),
      });
      await stream.write(`${line}\n`);
    },
    finish: () => stream.end(),
    abort: async () => stream.destroy(),
  };
}
