import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { openSessionInWorker } from '../../dist/model/worker-session.js';
import { models } from '../fixtures.js';

describe('inference worker', () => {
  it('takes the model bytes over instead of copying them, and still runs', async () => {
    const bytes = new Uint8Array(readFileSync(models.tinyPrepared)); // owns its whole buffer
    const size = bytes.byteLength;
    const session = await openSessionInWorker(bytes, { device: 'cpu', threads: 1 });
    // Moved to the worker: the main thread's buffer is detached, not a second copy.
    assert.equal(bytes.buffer.byteLength, 0, `${size} bytes still held on the main thread`);
    const out = await session.run(new Float32Array(3 * 96 * 128), 1, 96, 128);
    assert.equal(out.clsAttention.length, out.heads * 6 * 8);
    await session.release();
  });

  it('hands the input tensor back with the answer, for the next batch', async () => {
    const session = await openSessionInWorker(new Uint8Array(readFileSync(models.tinyPrepared)), { device: 'cpu', threads: 1 });
    try {
      const input = new Float32Array(3 * 96 * 128).fill(0.25);
      const out = await session.run(input, 1, 96, 128);
      assert.equal(input.length, 0); // moved to the worker, not copied
      assert.equal(out.spentInput?.length, 3 * 96 * 128);
      assert.ok(out.spentInput.every((v) => v === 0.25));
    } finally {
      await session.release();
    }
  });

  it('leaves a view into a larger buffer intact (it is copied, not detached)', async () => {
    const file = readFileSync(models.tinyPrepared);
    const larger = new Uint8Array(file.byteLength + 16);
    larger.set(file, 8);
    const view = larger.subarray(8, 8 + file.byteLength);
    const session = await openSessionInWorker(view, { device: 'cpu', threads: 1 });
    assert.equal(larger.byteLength, file.byteLength + 16);
    assert.ok(Buffer.from(view).equals(file));
    await session.release();
  });

  it('release() called while a run is in flight waits for both (the process is not left with nothing to wake it)', async () => {
    // The pipeline hands the next frame to the model before writing this one, so a run that
    // stops early releases the session with a run still in flight. Answering that run used
    // to drop the worker's hold on the process: the release's reply never came (exit 13).
    const session = await openSessionInWorker(new Uint8Array(readFileSync(models.tinyPrepared)), { device: 'cpu', threads: 1 });
    const run = session.run(new Float32Array(3 * 96 * 128), 1, 96, 128);
    const released = session.release();
    const out = await run;
    assert.equal(out.clsAttention.length, out.heads * 6 * 8);
    await released;
  });
});

describe('inference worker, released', () => {
  it('a second release() waits for the first instead of hanging, and a run after release() is refused', async () => {
    const session = await openSessionInWorker(new Uint8Array(readFileSync(models.tinyPrepared)), { device: 'cpu', threads: 1 });
    const first = session.release();
    // Posted behind the release, a run would reach a freed session.
    await assert.rejects(session.run(new Float32Array(3 * 96 * 128), 1, 96, 128), /after release/);
    // Before, the second call posted a release to a stopped worker and waited for ever (the test timed out).
    const second = session.release();
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('release() hung')), 10_000).unref());
    await Promise.race([Promise.all([first, second]), timeout]);
  });
});

describe('inference worker started ahead (track starts it before probing the video)', () => {
  it('the session opens in it and runs; a second start and a discard after the open change nothing', async () => {
    const { startInferenceWorker, discardInferenceWorker } = await import('../../dist/model/worker-session.js');
    startInferenceWorker();
    startInferenceWorker();
    const session = await openSessionInWorker(new Uint8Array(readFileSync(models.tinyPrepared)), { device: 'cpu', threads: 1 });
    assert.equal(await discardInferenceWorker(), false, 'the spare was taken: nothing to stop');
    const out = await session.run(new Float32Array(3 * 96 * 128), 1, 96, 128);
    assert.equal(out.clsAttention.length, out.heads * 6 * 8);
    await session.release();
  });

  it('one no session takes neither keeps the process alive nor needs discarding', () => {
    // A run that fails before its model loads (a file that is not a video) leaves the spare untaken.
    const script = `const m = await import(${JSON.stringify(new URL('../../dist/model/worker-session.js', import.meta.url).href)}); m.startInferenceWorker();`;
    const started = performance.now();
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    assert.ok(performance.now() - started < 20_000);
  });

  it('discard stops a spare no session took', async () => {
    const { startInferenceWorker, discardInferenceWorker } = await import('../../dist/model/worker-session.js');
    startInferenceWorker();
    assert.equal(await discardInferenceWorker(), true, 'the spare is stopped');
    assert.equal(await discardInferenceWorker(), false, 'and gone');
    // And a session opened afterwards starts a worker of its own.
    const session = await openSessionInWorker(new Uint8Array(readFileSync(models.tinyPrepared)), { device: 'cpu', threads: 1 });
    await session.release();
  });

  it('discarding a spare while onnxruntime is still loading in it does not take the process down', () => {
    // A run that fails at once (a corrupt video) discards the spare within milliseconds of starting it;
    // stopped mid-load, the worker aborted the process (`Napi::Error`), about one time in two of this loop before.
    const script = `const m = await import(${JSON.stringify(new URL('../../dist/model/worker-session.js', import.meta.url).href)});
      for (let k = 0; k < 120; k++) { m.startInferenceWorker(); await new Promise((r) => setTimeout(r, (k * 7) % 60)); await m.discardInferenceWorker(); }
      console.log('ok');`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(out.trim(), 'ok');
  });
});
