import { readFileSync, readlinkSync } from 'node:fs';

/** Whether a process with this id exists (EPERM: it does, owned by someone else). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * When a process started, in clock ticks since boot (Linux's /proc/PID/stat, field 22), or
 * undefined where that cannot be read (another system, or no such process). A pid can be
 * reused once its process ends; the pair of pid and start time names one process.
 */
export function getStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (in parentheses, which may hold spaces): state is field 3, starttime field 22.
    const value = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** This process's pid namespace (`pid:[…]`, Linux), undefined elsewhere: pids mean something only within one. */
export function getPidNamespace(): string | undefined {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}
