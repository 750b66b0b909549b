import { CommanderError } from 'commander';
import { getExitCode, InterruptedError } from '../errors.js';
import { runCleanups } from '../util/cleanup.js';
import { buildProgram } from './program.js';

function printError(error: unknown, verbose: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`dino-track: error: ${message.split('\n')[0]}\n`);
  if (verbose && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
  if (verbose && cause?.stack) process.stderr.write(`caused by: ${cause.stack}\n`);
}

function handleSignal(signal: NodeJS.Signals): void {
  runCleanups();
  const error = new InterruptedError(signal);
  process.stderr.write(`\ndino-track: ${error.message}; partial output removed\n`);
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
      process.exit(0);
    }
  });
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) process.exit(0);
      process.stderr.write(`dino-track: ${error.message.replace(/^error: /, 'error: ')}\n`);
      process.stderr.write(`Run 'dino-track --help' for usage.\n`);
      process.exit(2);
    }
    runCleanups();
    printError(error, verbose);
    process.exit(getExitCode(error));
  }
}
