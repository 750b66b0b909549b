import v8 from 'node:v8';

/**
 * V8 versions known to read `--semi-space-growth-factor` each time the young generation
 * grows (Node 20–24), so setting it after start-up takes effect; elsewhere V8 would print
 * "unrecognized flag" if it were gone, so it is left alone.
 */
const knownV8Majors = [11, 12, 13];

/**
 * Keeps V8's young generation at its starting size for the whole run. By default V8 doubles
 * it (up to 16 MiB per semi-space) each time as much as its size has survived collections,
 * which any run of a few seconds reaches: peak memory then rose 15–20% from a 100-frame to a
 * 1000-frame run without anything held per frame (`node test/bench/prompts-memory.js`). Our
 * frames live in typed arrays outside the JavaScript heap, so the smaller young generation
 * costs little. CLI only: the library leaves the host process's V8 settings alone.
 */
export function keepYoungGenerationSmall(): void {
  const major = Number(process.versions.v8.split('.')[0]);
  if (knownV8Majors.includes(major)) v8.setFlagsFromString('--semi-space-growth-factor=1');
}
