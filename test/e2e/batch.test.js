import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

const env = { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
const common = ['--model', models.tiny, '--short-side', '96', '--format', 'davis'];

function makeFolder(count, { seconds = 1, bad = false } = {}) {
  const work = makeTempDir();
  const videos = path.join(work, 'videos');
  mkdirSync(videos);
  const first = makeVideo(path.join(videos, 'v0.mp4'), { width: 128, height: 96, fps: 25, seconds });
  for (let k = 1; k < count; k++) copyFileSync(first, path.join(videos, `v${k}.mp4`));
  if (bad) writeFileSync(path.join(videos, 'broken.mp4'), 'not a video');
  return { work, videos, out: path.join(work, 'out') };
}

const lines = (stderr) => stderr.trim().split('\n');

describe('dino-track batch', () => {
  it('writes one output per input, reports a failed input at the end with exit 1, and skips finished ones next time', async () => {
    const { videos, out } = makeFolder(2, { bad: true });
    const first = await runCli(['batch', videos, '-o', out, ...common, '--jobs', '2'], { env });
    assert.equal(first.code, 1, first.stderr);
    assert.deepEqual(readdirSync(out).filter((n) => !n.startsWith('.')).sort(), ['v0', 'v1']);
    assert.equal(readdirSync(path.join(out, 'v0', 'masks')).length, 25);
    assert.match(first.stderr, /batch: 2 done, 0 skipped \(already done\), 1 failed/);
    assert.match(lines(first.stderr).at(-1), /failed: .*broken\.mp4: cannot read .* as a video/);
    const second = await runCli(['batch', videos, '-o', out, ...common], { env });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /batch: 0 done, 2 skipped \(already done\), 1 failed/);
    // Other options make other outputs: nothing is skipped.
    const third = await runCli(['batch', videos, '-o', out, ...common, '--threshold', '0.5'], { env });
    assert.match(third.stderr, /batch: 2 done, 0 skipped/);
  });

  it('--shard i/n splits the inputs into disjoint shares that cover them all', async () => {
    const { videos, out } = makeFolder(5);
    const shares = [];
    for (const shard of ['0/2', '1/2']) {
      const run = await runCli(['batch', path.join(videos, '*.mp4'), '-o', out, ...common, '--shard', shard], { env });
      assert.equal(run.code, 0, run.stderr);
      shares.push(lines(run.stderr).filter((l) => l.includes('→')).map((l) => path.basename(l.split(' ')[2])));
    }
    assert.equal(shares[0].length + shares[1].length, 5);
    assert.deepEqual([...shares[0], ...shares[1]].sort(), ['v0.mp4', 'v1.mp4', 'v2.mp4', 'v3.mp4', 'v4.mp4']);
  });

  it('resumed after SIGKILL, redoes only the unfinished inputs and leaves nothing half-written marked done', async () => {
    const { videos, out } = makeFolder(3, { seconds: 3 });
    const child = spawn(process.execPath, [cli, 'batch', videos, '-o', out, ...common, '--jobs', '1'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    await new Promise((resolve) => child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('[1/3]')) resolve();
    }));
    await sleep(300); // the second video is under way
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('close', resolve));
    // The orphaned track run notices its parent is gone and removes its temporary output.
    for (let k = 0; k < 100 && readdirSync(out).some((n) => n.includes('.partial')); k++) await sleep(100);
    assert.deepEqual(readdirSync(out).filter((n) => n.includes('.partial')), []);
    const done = readdirSync(path.join(out, '.dino-track', 'done'));
    assert.deepEqual(done, ['v0.json']);
    const resumed = await runCli(['batch', videos, '-o', out, ...common, '--jobs', '1'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /v0\.mp4: already done, skipped/);
    assert.match(resumed.stderr, /batch: 2 done, 1 skipped/);
    for (const name of ['v0', 'v1', 'v2']) assert.equal(readdirSync(path.join(out, name, 'masks')).length, 75);
  });

  it('refuses a pattern that matches nothing and a bad --shard, with one line and exit 2', async () => {
    const work = makeTempDir();
    const none = await runCli(['batch', path.join(work, '*.mp4'), '-o', path.join(work, 'out')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /matches no file/);
    const shard = await runCli(['batch', work, '-o', path.join(work, 'out'), '--shard', '2/2']);
    assert.equal(shard.code, 2);
    assert.match(shard.stderr, /Expected i\/n with 0 <= i < n \(e\.g\. 0\/4\) for --shard but received "2\/2"/);
    assert.equal(existsSync(path.join(work, 'out', '.dino-track')), false);
  });
});
