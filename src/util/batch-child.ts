/**
 * The environment variable by which `batch` tells each `track` it runs that it is one video of a
 * batch, whose `-o` the batch chose: a refusal then names the batch's way out (another batch
 * `-o` folder), not `--overwrite` and another `-o`, which a batch user cannot give one video.
 * Internal to batch.
 */
export const batchChildVariable = 'DINO_TRACK_BATCH_CHILD';

/** Whether this process is a `track` run by `batch`. */
export function isBatchChild(): boolean {
  return process.env[batchChildVariable] === '1';
}
