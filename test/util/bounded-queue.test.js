import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BoundedQueue } from '../../dist/util/bounded-queue.js';

describe('BoundedQueue', () => {
  it('holds a writer back while full and keeps order', async () => {
    const queue = new BoundedQueue(2);
    await queue.push(1);
    await queue.push(2);
    let third = false;
    const pending = queue.push(3).then(() => (third = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(third, false, 'push must wait while the queue is full');
    assert.equal(await queue.shift(), 1);
    await pending;
    assert.equal(third, true);
    queue.close();
    const rest = [];
    for await (const item of queue) rest.push(item);
    assert.deepEqual(rest, [2, 3]);
  });

  it('wakes both sides with the failure', async () => {
    const queue = new BoundedQueue(1);
    const reader = queue.shift();
    queue.fail(new Error('boom'));
    await assert.rejects(reader, /boom/);
    await assert.rejects(queue.push(1), /boom/);
  });

  it('rejects a capacity below 1', () => {
    assert.throws(() => new BoundedQueue(0), /at least 1/);
  });
});
