// onnxruntime 1.30's telemetry: the CLI opts out, so a run reports nothing and leaves no
// /tmp/mat-debug-PID.log behind (a first-time user found thousands on a shared machine).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { cli, makeTempDir, makeVideo, models } from '../fixtures.js';

it('a tracking run starts no onnxruntime telemetry and leaves no log of it', async () => {
  const work = makeTempDir();
  const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 0.5 });
  const env = { ...process.env, DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
  delete env.ORT_DISABLE_TELEMETRY;
  const started = Date.now();
  const child = spawn(process.execPath, [cli, video, '-o', path.join(work, 'out'), '--format', 'davis', '--model', models.tiny, '--progress', 'none'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const code = await new Promise((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  // onnxruntime writes it under /tmp whatever TMPDIR says; one left by an earlier process of the same pid is older than this run.
  const log = `/tmp/mat-debug-${child.pid}.log`;
  assert.ok(!existsSync(log) || statSync(log).mtimeMs < started - 1000, 'onnxruntime telemetry started');
});
