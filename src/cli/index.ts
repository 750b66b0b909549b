import { CommanderError } from 'commander';
import { describeSystemError, getExitCode, InterruptedError } from '../errors.js';
import { getKeptOnSignal, runCleanups, stopForClosedStdout, stopOnSignal } from '../util/cleanup.js';
import { retireStatusLine, writeStderrLines } from '../util/stderr-lines.js';
import { buildProgram, defaultCommand } from './program.js';
import { findMistypedCommand, getHelpCommand } from './usage-hints.js';
import { optOutOfOnnxruntimeTelemetry } from './telemetry.js';
import { keepYoungGenerationSmall } from './young-generation.js';

function printError(error: unknown, verbose: boolean): void {
  const message = describeSystemError(error) ?? (error instanceof Error ? error.message : String(error));
  retireStatusLine();
  writeStderrLines(`dino-track: error: ${message.split('\n')[0]}`);
  if (verbose && error instanceof Error && error.stack) writeStderrLines(error.stack);
  const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
  if (verbose && cause?.stack) writeStderrLines(`caused by: ${cause.stack}`);
}

let interrupted = false;
/** A signal is being handled (interrupted is also set by a closed stdout). */
let signalled = false;

/**
 * Partial outputs go first (synchronously); the exit waits for a running inference to return.
 * Once: a second signal of another kind while the first is handled (a closed terminal or Ctrl-C
 * reaches a batch's children as a group, then the batch sends them SIGTERM) ran this again,
 * which skipped the wait and aborted the process inside onnxruntime (a review: SIGABRT). A second
 * signal of the same kind still kills at once (its handler was registered once).
 */
async function handleSignal(signal: NodeJS.Signals): Promise<void> {
  if (interrupted && signalled) return;
  signalled = true;
  interrupted = true;
  const error = new InterruptedError(signal);
  // The bar goes for good: nothing may draw over or after the last words.
  retireStatusLine();
  const stopped = stopOnSignal(30_000); // the first cleanup pass runs now, synchronously
  const kept = getKeptOnSignal().map((note) => `; ${note}`).join('');
  writeStderrLines(`dino-track: ${error.message}; partial output removed${kept}`);
  await stopped;
  process.exit(error.exitCode);
}

/** The one entry point: parse, run, and turn every failure into one line and an exit code. */
export async function main(argv: string[]): Promise<void> {
  keepYoungGenerationSmall();
  optOutOfOnnxruntimeTelemetry();
  const verbose = argv.includes('--verbose');
  process.once('SIGINT', handleSignal);
  process.once('SIGTERM', handleSignal);
  // A closed terminal: Node's default for SIGHUP exits at once, which left the partial output
  // and took a download's record with it (a review); it is stopped as Ctrl-C stops it.
  process.once('SIGHUP', handleSignal);
  // A closed downstream pipe (`| head`) ends the run quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      // The write that failed also fails the run; that failure is this quiet end, not an error,
      // unless something asked for besides the stream is lost with it (exit 1, one line).
      interrupted = true;
      void stopForClosedStdout(30_000).then((lost) => {
        if (lost.length === 0) process.exit(0);
        writeStderrLines(`dino-track: error: stdout closed before the end of the video (e.g. by \`| head\`); ${lost.join('; ')}; read the stream to its end to keep it`);
        process.exit(1);
      });
    }
  });
  // A closed stderr (`2>&1 | head`, a log reader gone) costs the progress and notices, not the
  // run: its EPIPE was an unhandled error, and the run died with exit 1 and its output removed (a
  // first-time user). Later writes fail too, as the stream is destroyed; all are ignored.
  process.stderr.on('error', () => undefined);
  // Started by `batch`: stop (cleanly, as on SIGTERM) when the parent goes away, even if it was killed.
  if (process.env.DINO_TRACK_EXIT_WITH_PARENT === '1') {
    process.stdin.on('close', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
    (process.stdin as { unref?: () => void }).unref?.();
  }
  const program = buildProgram();
  const args = argv.slice(2);
  // `dino-track` alone: what it does and how to start, not an error about -o.
  if (args.length === 0) {
    process.stderr.write(program.helpInformation());
    process.exit(2);
  }
  const meant = findMistypedCommand(program, args);
  if (meant) {
    writeStderrLines(`dino-track: error: unknown command "${args[0]}"; did you mean \`dino-track ${meant}\`? (Run 'dino-track --help' for the commands)`);
    process.exit(2);
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0);
      // One line, like every other error (commander puts its suggestions on a line of their own).
      // A command group without its subcommand (`dino-track models`) makes commander "show help", which is muted here.
      const message = error.code === 'commander.help' ? 'Expected a subcommand (e.g. dino-track models list) but received none' : error.message.replace(/^error: /, '').split('\n').join(' ').replace(/\.$/, '');
      writeStderrLines(`dino-track: error: ${message}; run '${getHelpCommand(program, args, defaultCommand)}' for usage`);
      process.exit(2);
    }
    // Once a signal arrived (or stdout closed), the failures it causes downstream are not news: its handler exits.
    if (interrupted) return;
    runCleanups();
    printError(error, verbose);
    process.exit(getExitCode(error));
  }
}
