/**
 * Busy time per pipeline stage, for `--verbose` and `npm run bench`. Stages overlap (the
 * model runs while the previous frame is tracked and written), so the shares are of the
 * wall time and need not add up to one.
 */
export interface StageClock {
  /** Adds the time `work` takes to `stage`. */
  time<T>(stage: string, work: () => T): T;
  timeAsync<T>(stage: string, work: () => Promise<T>): Promise<T>;
  /** Adds `seconds` measured elsewhere to `stage`. */
  add(stage: string, seconds: number): void;
  /** Stage → seconds, in first-use order. */
  totals(): Record<string, number>;
}

export function createStageClock(): StageClock {
  const seconds = new Map<string, number>();
  const addSeconds = (stage: string, value: number): void => {
    seconds.set(stage, (seconds.get(stage) ?? 0) + value);
  };
  const add = (stage: string, started: number): void => addSeconds(stage, (performance.now() - started) / 1000);
  return {
    time(stage, work) {
      const started = performance.now();
      try {
        return work();
      } finally {
        add(stage, started);
      }
    },
    async timeAsync(stage, work) {
      const started = performance.now();
      try {
        return await work();
      } finally {
        add(stage, started);
      }
    },
    add: addSeconds,
    totals: () => Object.fromEntries(seconds),
  };
}

/** "decode 1.2 s (2%), model 50.1 s (91%), …" against the wall time. */
export function formatStageTimes(totals: Record<string, number>, wallSeconds: number): string {
  return Object.entries(totals)
    .map(([stage, s]) => `${stage} ${s.toFixed(1)} s (${Math.round((100 * s) / Math.max(wallSeconds, 1e-9))}%)`)
    .join(', ');
}
