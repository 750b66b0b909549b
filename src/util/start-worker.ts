import { Worker } from 'node:worker_threads';

/**
 * A worker thread on the module at `url`, with the process's Node options except those that
 * concern only its main script. Workers inherit them all by default, and a library caller's
 * `node --input-type=module -e "…"` made every worker fail at once ("--input-type can only be
 * used with string input via --eval", found by a test of the library in a child process).
 */
export function startWorker(url: URL): Worker {
  // Only then: an explicit execArgv is checked, and V8 flags inheritance takes (--max-old-space-size) are refused there (a review).
  if (!process.execArgv.some((arg) => arg.startsWith('--input-type'))) return new Worker(url);
  try {
    return new Worker(url, { execArgv: withoutMainScript(process.execArgv) });
  } catch (error) {
    // V8 and process flags beside it (--max-old-space-size) are refused in an explicit execArgv (a trial): none, then.
    if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(url, { execArgv: [] });
  }
}

/** Node's options less those that give or shape the main script: `--input-type`, and `-e`/`-p` with the code (a worker given them ran that code again). */
function withoutMainScript(args: string[]): string[] {
  const kept: string[] = [];
  for (let k = 0; k < args.length; k++) {
    const arg = args[k];
    if (arg.startsWith('--input-type') || /^--(eval|print)=/.test(arg)) continue;
    if (['-e', '--eval', '-p', '--print', '-pe'].includes(arg)) {
      k++;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}
