import os from 'node:os';
import path from 'node:path';

/** $DINO_TRACK_CACHE, else $XDG_CACHE_HOME/dino-track, else ~/.cache/dino-track. */
export function getCacheDir(): string {
  if (process.env.DINO_TRACK_CACHE) return path.resolve(process.env.DINO_TRACK_CACHE);
  if (process.env.XDG_CACHE_HOME) return path.join(process.env.XDG_CACHE_HOME, 'dino-track');
  return path.join(os.homedir(), '.cache', 'dino-track');
}
