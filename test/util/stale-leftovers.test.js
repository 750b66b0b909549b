// What a killed run leaves (partial outputs beside -o, temporary caches in $TMPDIR) goes with the next run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { makeTemporaryDir, removeDeadPartials } from '../../dist/util/stale-leftovers.js';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

// Above every Linux pid_max (2^22) and macOS's 99999: no process has it.
const deadPid = 4194304;

test('partials of dead runs beside a target go; live runs\', moved-aside outputs and other targets\' stay', () => {
  const dir = makeTempDir('dino-track-stale-');
  const names = [
    `.out.${deadPid}-a1b2c3.partial`, `.out.${deadPid}-a1b2c3.partial.cls_attn`, // dead: removed
    `.out.${process.pid}-a1b2c3.partial`, // this (live) process
    `.out.${deadPid}-a1b2c3.replaced`, // the previous output, moved aside: the user's
    `.other.${deadPid}-a1b2c3.partial`, 'out.partial', // another target; not our naming
  ];
  for (const name of names) mkdirSync(path.join(dir, name));
  removeDeadPartials(path.join(dir, 'out'));
  assert.deepEqual(readdirSync(dir).sort(), names.slice(2).sort());
});

test('a new temporary folder clears those that dead runs of this host left in $TMPDIR, not other hosts\'', async () => {
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = makeTempDir('dino-track-tmpdir-');
  try {
    const first = await makeTemporaryDir('dino-track-features');
    const [, tag] = new RegExp(`^dino-track-features-${process.pid}@([0-9a-f]+)-`).exec(path.basename(first)) ?? [];
    assert.ok(tag, `named with pid and host: ${path.basename(first)}`);
    const stale = path.join(process.env.TMPDIR, `dino-track-features-${deadPid}@${tag}-XYZ123`);
    mkdirSync(stale);
    writeFileSync(path.join(stale, 'features.safetensors'), 'gigabytes, once');
    const otherHost = path.join(process.env.TMPDIR, `dino-track-features-${deadPid}@${tag === 'ffffff' ? 'eeeeee' : 'ffffff'}-XYZ123`); // its pids mean nothing here
    mkdirSync(otherHost);
    const kept = path.join(process.env.TMPDIR, `dino-track-soft-${deadPid}@${tag}-XYZ123`); // another prefix: its own time comes
    mkdirSync(kept);
    await makeTemporaryDir('dino-track-features');
    assert.equal(existsSync(stale), false);
    assert.ok(existsSync(otherHost));
    assert.ok(existsSync(kept));
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});

test('a temporary folder made in another pid namespace (a container with this host name sharing $TMPDIR) is left alone', async (t) => {
  // A review: the folder names carried the host only, and a run here removed a live run's
  // folder there, whose pid meant nothing here. The name now carries the namespace too.
  if (spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status !== 0) return t.skip('unshare needs root here');
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = makeTempDir('dino-track-tmpdir-');
  try {
    const module = new URL('../../dist/util/stale-leftovers.js', import.meta.url).pathname;
    const made = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, '-e', `import('${module}').then(async (m) => console.log(await m.makeTemporaryDir('dino-track-features')))`], { encoding: 'utf8' });
    const theirTag = /@([0-9a-f]+)-/.exec(path.basename(made.stdout.trim()))?.[1];
    assert.ok(theirTag, made.stderr);
    // A run there whose pid is no process here.
    const theirs = path.join(process.env.TMPDIR, `dino-track-features-${deadPid}@${theirTag}-XYZ123`);
    mkdirSync(theirs);
    const ours = await makeTemporaryDir('dino-track-features');
    assert.notEqual(/@([0-9a-f]+)-/.exec(path.basename(ours))?.[1], theirTag);
    assert.ok(existsSync(theirs), 'the folder of a run in another pid namespace was removed');
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
});

test('a track run removes the partial output a killed run left beside -o', async () => {
  const dir = makeTempDir('dino-track-stale-run-');
  const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 0.3 });
  const stale = path.join(dir, `.out.${deadPid}-a1b2c3.partial`);
  mkdirSync(path.join(stale, 'masks'), { recursive: true });
  const { code, stderr } = await runCli([video, '-o', path.join(dir, 'out'), '--format', 'davis', '--model', models.tiny, '--progress', 'none']);
  assert.equal(code, 0, stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['in.mp4', 'out']);
});

test('a run refused for its -o (an earlier output without --overwrite) still removes what a killed run left beside it', async () => {
  // The README says the next run to the same -o removes it; a refused run left it (trial 10).
  const dir = makeTempDir('dino-track-stale-refused-');
  const video = makeVideo(path.join(dir, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 0.3 });
  const first = await runCli([video, '-o', path.join(dir, 'out'), '--format', 'davis', '--model', models.tiny, '--progress', 'none']);
  assert.equal(first.code, 0, first.stderr);
  mkdirSync(path.join(dir, `.out.${deadPid}-a1b2c3.partial`, 'masks'), { recursive: true });
  const again = await runCli([video, '-o', path.join(dir, 'out'), '--format', 'davis', '--model', models.tiny, '--progress', 'none']);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /holds the output of an earlier run; pass --overwrite/);
  assert.deepEqual(readdirSync(dir).sort(), ['in.mp4', 'out']);
});
