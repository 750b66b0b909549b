import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { ExternalError } from '../errors.js';
import { getFfmpegBinaries } from './ffmpeg-path.js';
import { createLineSplitter, writeStderrLines } from '../util/stderr-lines.js';

/** A running ffmpeg with its stderr tail kept for error messages. */
export interface FfmpegProcess {
  child: ChildProcess;
  /** Resolves on exit code 0; rejects with the last line ffmpeg printed otherwise. */
  exited: Promise<void>;
  /** Stops ffmpeg now; its `exited` promise then resolves quietly. */
  kill(): void;
}

const stderrLinesKept = 20;

/** What to do next for a failure whose last line is `reason`, when the caller knows; undefined when it does not. */
export type FailureAdvice = (reason: string) => string | undefined;

/**
 * Starts ffmpeg with `-v error` so that a normal run prints nothing of ffmpeg's own,
 * and forwards its stderr only when `verbose` is set. A line matching `fatal` fails it even
 * where ffmpeg exits 0.
 */
export function startFfmpeg(args: string[], stdio: StdioOptions, what: string, verbose = false, advise?: FailureAdvice, fatal?: RegExp): FfmpegProcess {
  const { ffmpeg } = getFfmpegBinaries();
  const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-v', verbose ? 'warning' : 'error', ...args], { stdio });
  const tail: string[] = [];
  let killed = false;
  let fatalLine: string | undefined;
  const lines = createLineSplitter((line) => {
    if (verbose) writeStderrLines(line);
    if (!line.trim()) return;
    tail.push(line.trim());
    if (tail.length > stderrLinesKept) tail.shift();
    if (fatal?.test(line)) fatalLine ??= line.trim();
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => lines.push(text));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', (cause) => reject(new ExternalError(`cannot start ffmpeg for ${what}: ${cause.message}`, { cause })));
    child.once('close', (code, signal) => {
      lines.end(); // 'close' comes after stderr has ended: this is the last of it
      if (killed || (code === 0 && !fatalLine)) resolve();
      else {
        const reason = (code === 0 ? fatalLine : tail.at(-1)) ?? (signal ? `killed by ${signal}` : `exit code ${code}`);
        const advice = advise?.(tail.join('\n'));
        reject(new ExternalError(`ffmpeg failed while ${what}: ${reason}${advice ? `; ${advice}` : ''}`));
      }
    });
  });
  // ffmpeg can die while its frames are still queued, before anyone awaits `exited`:
  // that must not count as an unhandled rejection (which would crash past our cleanup).
  exited.catch(() => undefined);
  return {
    child,
    exited,
    kill() {
      killed = true;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
