// The prepared-model cache: a copy that cannot be kept is no reason to fail a run that has the graph in memory.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { utimesSync, writeFileSync } from 'node:fs';
import { savePreparedCopy } from '../../dist/model/prepared-cache.js';
import { makeTempDir, withCacheDir } from '../fixtures.js';

describe('prepared-model cache', () => {
  it('a full disk is a notice naming the cache, not a failed run advising another -o', async () => {
    // A review: ENOSPC while caching the prepared copy failed `track` with "choose another -o".
    const cache = makeTempDir();
    await withCacheDir(cache, async () => {
      for (const code of ['ENOSPC', 'EDQUOT']) {
        const notices = [];
        const full = async () => {
          throw Object.assign(new Error(`${code}: no space left on device, write`), { code });
        };
        const cached = await savePreparedCopy(path.join(cache, 'prepared', 'ab-prep3-96x128.onnx'), new Uint8Array(8), (line) => notices.push(line), full);
        assert.equal(cached, false);
        assert.deepEqual(notices, [`no space left in the model cache ${cache} for the prepared model (${code}): it is used from memory and prepared again on every run; free some space, or set DINO_TRACK_CACHE to a folder on a larger disk, to keep it`]);
      }
    });
  });

  it('removes the temporary copies of runs killed while writing one (gone here, untouched a minute), and keeps the copy', async () => {
    const folder = makeTempDir();
    const file = path.join(folder, 'ab-prep3-96x128.onnx');
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const left = path.join(folder, `.ab-prep3-96x128.onnx.${dead}-0a1b2c.partial.onnx`);
    writeFileSync(left, 'left by a killed run');
    const old = new Date(Date.now() - 5 * 60_000);
    utimesSync(left, old, old);
    // A fresh one whose pid is unknown here may be a live run's in another container sharing the
    // cache (a review: it was deleted, and that run failed renaming it): it stays.
    const fresh = path.join(folder, `.ab-prep3-96x128.onnx.${dead}-3d4e5f.partial.onnx`);
    writeFileSync(fresh, 'a live run elsewhere');
    assert.equal(await savePreparedCopy(file, new Uint8Array(8)), true);
    assert.deepEqual(readdirSync(folder).sort(), [path.basename(fresh), 'ab-prep3-96x128.onnx']);
  });
});
