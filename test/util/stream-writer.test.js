import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { openStreamWriter } from '../../dist/util/stream-writer.js';
import { makeTempDir } from '../fixtures.js';

/** A stream that takes `accepted` chunks, then fails every write with ENOSPC. */
function makeFullDisk(accepted) {
  let count = 0;
  return new Writable({
    highWaterMark: 4,
    write(chunk, encoding, callback) {
      count++;
      if (count > accepted) callback(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
      else setImmediate(callback);
    },
  });
}

describe('stream writer', () => {
  it('writes and ends a file', async () => {
    const file = path.join(makeTempDir(), 'x.txt');
    const writer = openStreamWriter(file);
    for (let i = 0; i < 1000; i++) await writer.write(`line ${i}\n`);
    await writer.end();
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 1001);
  });

  it('turns a failing stream into a rejected write or end, never an unhandled error event', async () => {
    const writer = openStreamWriter(makeFullDisk(2));
    const attempt = async () => {
      for (let i = 0; i < 50; i++) await writer.write('0123456789');
      await writer.end();
    };
    await assert.rejects(attempt(), { code: 'ENOSPC' });
  });

  it('reports a folder that cannot be opened', async () => {
    const writer = openStreamWriter(path.join(makeTempDir(), 'missing', 'x.txt'));
    const attempt = async () => {
      await writer.write('x');
      await writer.end();
    };
    await assert.rejects(attempt(), { code: 'ENOENT' });
  });
});
