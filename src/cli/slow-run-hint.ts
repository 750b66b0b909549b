/** A run expected to take longer than this gets one line on how to go faster. */
const slowRunSeconds = 600;
/** Frames timed, after the first, before the expected duration is trusted. */
const framesBeforeEstimate = 10;

/**
 * Says once, early, how to trade accuracy for speed when the run will be long. The clock
 * starts at the first frame written, so model loading and warm-up do not count.
 * @param now milliseconds, replaceable in tests
 */
export function createSlowRunHint(say: (line: string) => void, now: () => number = () => performance.now()): (done: number, total: number) => void {
  let first: { done: number; at: number } | undefined;
  let said = false;
  return (done, total) => {
    if (said) return;
    first ??= { done, at: now() };
    if (done - first.done < framesBeforeEstimate) return;
    said = true;
    const perFrame = (now() - first.at) / 1000 / (done - first.done);
    const remaining = perFrame * (total - done);
    if (remaining < slowRunSeconds) return;
    say(`this run will take about ${Math.round(remaining / 60)} more minutes at ${(1 / perFrame).toFixed(2)} frames/s; to go faster: --stride 3 (model on every 3rd frame), --short-side 240 (smaller model input), or a GPU (--device cuda)`);
  };
}
