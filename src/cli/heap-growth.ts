import { constants, PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived a full collection before it
 * starts the next (`--heap-growing-percent`: 400 = five times). With V8's own factor the
 * main thread's heap of a `track` run (about 8 MiB live) was fully collected every 4
 * frames at 224 lines — 125 mark-compacts in 500 frames, with their concurrent marking on
 * V8's helper threads: 4.8 s of main-thread and 3.2 s of other-thread CPU against 4.3 s
 * and 1.2 s with a larger heap (int8 ViT-S/16, 398x224, the model ~22 s). Chosen on that
 * run: 100 / 200 / 400 gave 119 / 88 / 24 mark-compacts.
 */
const growingPercent = 400;

/**
 * Above this much live heap V8's own factor comes back: five times a large heap would be
 * hundreds of megabytes held for nothing, and at that size the collections are rare anyway.
 */
const ceilingBytes = 64 * 1024 * 1024;

/** V8 versions known to read `--heap-growing-percent` at each full collection (Node 20–24). */
const knownV8Majors = [11, 12, 13];

/**
 * Lets a small JavaScript heap grow five-fold between full collections, until the main
 * thread's holds more than 64 MiB after one. V8's flags are the process's: the inference and
 * refinement worker threads' heaps grow so too (each small: typed arrays live outside them),
 * and the ceiling watches the main thread's only. CLI only (`track` without prompts): the
 * library leaves the host process's V8 settings alone.
 * @returns whether the larger growth is still in force (for tests)
 */
export function letSmallHeapGrow(): () => boolean {
  const major = Number(process.versions.v8.split('.')[0]);
  if (!knownV8Majors.includes(major)) return () => false;
  v8.setFlagsFromString(`--heap-growing-percent=${growingPercent}`);
  let growing = true;
  const observer = new PerformanceObserver((list) => {
    const major = list.getEntries().some((entry) => (entry as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR);
    if (!major || v8.getHeapStatistics().used_heap_size <= ceilingBytes) return;
    v8.setFlagsFromString('--heap-growing-percent=0'); // 0: V8's own factor
    growing = false;
    observer.disconnect();
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => growing;
}
