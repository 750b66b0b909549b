import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** How much of a video file its fingerprint reads: its container header and first frames. */
const fingerprintBytes = 1 << 20;

/**
 * A cheap identity of a video file: its size and the hash of its first MiB. A feature cache
 * records it, so that a cache tracked with another video of the same size and length (whose
 * pixels would then refine masks they do not belong to) is noticed. A re-encoded copy of
 * the same video differs too, so a mismatch is said, not refused.
 */
export async function getVideoFingerprint(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, fingerprintBytes));
    await handle.read(head, 0, head.length, 0);
    return `${size}:${createHash('sha256').update(head).digest('hex').slice(0, 16)}`;
  } finally {
    await handle.close();
  }
}
