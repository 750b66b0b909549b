/**
 * The handful of error classes the CLI turns into exit codes. Every message is one
 * line that says what is wrong and what to do next; the original failure rides along
 * as `cause` and is shown only with --verbose.
 */

/** Bad command line: unknown option, out-of-range value, conflicting options. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}

/** A file the user gave us is missing, unreadable or not what it claims to be. Exit 1. */
export class InputError extends Error {
  override name = 'InputError';
  readonly exitCode = 1;
}

/** ffmpeg, onnxruntime or the network failed underneath us. Exit 1. */
export class ExternalError extends Error {
  override name = 'ExternalError';
  readonly exitCode = 1;
}

/** The run was stopped by a signal; the exit code follows the shell convention 128+n. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  readonly exitCode: number;
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.exitCode = signal === 'SIGTERM' ? 143 : signal === 'SIGHUP' ? 129 : 130;
  }
}

/** Builds the uniform "Expected … but received …" message used by every option check. */
export function expected(what: string, name: string, received: unknown): UsageError {
  const shown = typeof received === 'string' ? JSON.stringify(received) : String(received);
  return new UsageError(`Expected ${what} for ${name} but received ${shown}`);
}

/** Exit code for any thrown value; unknown errors are internal failures (1). */
export function getExitCode(error: unknown): number {
  if (error && typeof error === 'object' && 'exitCode' in error && typeof error.exitCode === 'number') {
    return error.exitCode;
  }
  return 1;
}

/** What the operating system's refusals mean for the user, and what to do. */
const systemErrorAdvice: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space or choose another -o',
  EDQUOT: 'disk quota exceeded; free some space or choose another -o',
  EROFS: 'the file system is read-only; choose another -o',
  EACCES: 'permission denied; choose another -o or fix the permissions',
  EPERM: 'operation not permitted; choose another -o or fix the permissions',
  EMFILE: 'too many open files; raise the limit (ulimit -n) or use fewer --jobs',
  ENAMETOOLONG: 'a file name is too long (at most 255 bytes a name); choose a shorter -o',
};

/** Refusals that belong to the file being written (its disk, its folder), not to the run, and which of its fixes each needs. */
const fileErrorReasons: Record<string, { reason: string; fix: keyof FileErrorFixes }> = {
  ENOSPC: { reason: 'no space left on the device', fix: 'full' },
  EDQUOT: { reason: 'disk quota exceeded', fix: 'full' },
  EROFS: { reason: 'the file system is read-only', fix: 'denied' },
  EACCES: { reason: 'permission denied', fix: 'denied' },
  EPERM: { reason: 'operation not permitted', fix: 'denied' },
};

/** What to do about a file other than -o: its disk is full, or it may not be written there. */
export interface FileErrorFixes {
  full: string;
  denied: string;
}

/**
 * An operating-system refusal while writing a file other than -o, as one line naming that file
 * (`what`) and its own fix; other errors are returned as they are. Without it, a full disk under
 * --save-features or $TMPDIR said "choose another -o".
 */
export function nameFileError(error: unknown, what: string, fixes: FileErrorFixes): unknown {
  const code = error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const known = code === undefined ? undefined : fileErrorReasons[code];
  return known ? new ExternalError(`cannot write ${what}: ${known.reason} (${code}); ${fixes[known.fix]}`, { cause: error }) : error;
}

/** One line for an operating-system error (disk full, read-only, …); undefined for others. */
export function describeSystemError(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error) || typeof error.code !== 'string') return undefined;
  const advice = systemErrorAdvice[error.code];
  if (!advice) return undefined;
  const where = 'path' in error && typeof error.path === 'string' ? ` writing ${error.path}` : '';
  return `${advice} (${error.code}${where})`;
}
