import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nameWriteFailures } from '../../dist/features/index.js';

/** A writer whose every step fails with `error`. */
function failingWriter(error) {
  return { placed: false, write: () => Promise.reject(error), finish: () => Promise.reject(error), abort: () => Promise.resolve() };
}

const fixes = { full: 'free some space, or give --save-features a path on another disk', denied: 'give --save-features a path you can write to' };
const diskFull = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('a feature cache writer\'s disk failures', () => {
  it('name the cache and its own fix, not -o (a first-time user\'s trial: a full disk under --save-features said "choose another -o")', async () => {
    const writer = nameWriteFailures(failingWriter(diskFull()), '--save-features full/f.safetensors', fixes);
    for (const step of [() => writer.write({}), () => writer.finish()]) {
      await assert.rejects(step(), (error) => {
        assert.equal(error.message, 'cannot write --save-features full/f.safetensors: no space left on the device (ENOSPC); free some space, or give --save-features a path on another disk');
        assert.equal(error.exitCode, 1);
        assert.equal(error.cause.code, 'ENOSPC');
        return true;
      });
    }
  });

  it('give the fix of a refusal, not of a full disk, for a folder that may not be written (a review)', async () => {
    const denied = Object.assign(new Error('EACCES: permission denied, open'), { code: 'EACCES' });
    await assert.rejects(nameWriteFailures(failingWriter(denied), '--save-features ro/f.safetensors', fixes).finish(), {
      message: 'cannot write --save-features ro/f.safetensors: permission denied (EACCES); give --save-features a path you can write to',
    });
  });

  it('leave other failures as they are', async () => {
    const other = new Error('frame 3: a value is beyond float16\'s range');
    await assert.rejects(nameWriteFailures(failingWriter(other), 'x', fixes).finish(), (error) => error === other);
  });
});
