import { CommanderError } from 'commander';
import { describeSystemError, getExitCode, InterruptedError } from '../errors.js';
import { runCleanups, runStoppers } from '../util/cleanup.js';
import { buildProgram } from './program.js';

function printError(error: unknown, verbose: boolean): void {
  const message = describeSystemError(error) ?? (error instanceof Error ? error.message : String(error));
  process.stderr.write(`dino-track: error: ${message.split('\n')[0]}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
  if (verbose && cause?.stack) process.stderr.write(`caused by: ${cause.stack}\n`);
}

let interrupted = false;

/** Partial outputs go first (synchronously); the exit waits for a running inference to return. */
async function handleSignal(signal: NodeJS.Signals): Promise<void> {
  interrupted = true;
  runCleanups();
  const error = new InterruptedError(signal);
  process.stderr.write(`\ndino-track: ${error.message}; partial output removed\n`);
  await runStoppers(30_000);
  process.exit(error.exitCode);
}

/** The one entry point: parse, run, and turn every failure into one line and an exit code. */
export async function main(argv: string[]): Promise<void> {
  const verbose = argv.includes('--verbose');
  process.once('SIGINT', handleSignal);
  process.once('SIGTERM', handleSignal);
  // A closed downstream pipe (`| head`) ends the run quietly, as Unix tools do.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') {
      runCleanups();
      void runStoppers(30_000).then(() => process.exit(0));
    }
  });
  // Started by `batch`: stop (cleanly, as on SIGTERM) when the parent goes away, even if it was killed.
  if (process.env.DINO_TRACK_EXIT_WITH_PARENT === '1') {
    process.stdin.on('close', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
    (process.stdin as { unref?: () => void }).unref?.();
  }
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0);
      // One line, like every other error (commander puts its suggestions on a line of their own).
      // A command group without its subcommand (`dino-track models`) makes commander "show help", which is muted here.
      const message = error.code === 'commander.help' ? 'Expected a subcommand (e.g. dino-track models list) but received none' : error.message.replace(/^error: /, '').split('\n').join(' ');
      process.stderr.write(`dino-track: error: ${message}; run 'dino-track --help' for usage\n`);
      process.exit(2);
    }
    // Once a signal arrived, the failures it causes downstream are not news: its handler exits.
    if (interrupted) return;
    runCleanups();
    printError(error, verbose);
    process.exit(getExitCode(error));
  }
}
