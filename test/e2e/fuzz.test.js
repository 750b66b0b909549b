// 200 mutated variants of a small video through the real CLI: each ends with exit 0 or a
// one-line error — none hangs, none prints a stack trace, none leaves a partial output.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { makeTempDir, makeVideo, models, runCli } from '../fixtures.js';

const variants = 200;
const parallel = 3;
const timeLimitMs = 30_000;

function* mutations(original, other) {
  let seed = 12345;
  const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2147483648) % n);
  for (let k = 0; k < variants; k++) {
    const bytes = Buffer.from(original);
    const kind = k % 5;
    if (kind === 0) {
      // Byte flips anywhere.
      for (let f = 1 + random(20); f > 0; f--) bytes[random(bytes.length)] ^= 1 + random(255);
      yield { kind: 'flips', bytes };
    } else if (kind === 1) {
      yield { kind: 'truncation', bytes: bytes.subarray(0, random(bytes.length)) };
    } else if (kind === 2) {
      // Another file's header spliced onto this one's body.
      const cut = 8 + random(400);
      yield { kind: 'spliced header', bytes: Buffer.concat([other.subarray(0, cut), bytes.subarray(cut)]) };
    } else if (kind === 3) {
      // A run of zeros (lost sectors).
      const at = random(bytes.length);
      bytes.fill(0, at, Math.min(bytes.length, at + 1 + random(2000)));
      yield { kind: 'zeroed range', bytes };
    } else {
      // Flips inside the first 1 KiB, where the container's boxes are.
      for (let f = 1 + random(8); f > 0; f--) bytes[random(Math.min(1024, bytes.length))] ^= 1 + random(255);
      yield { kind: 'header flips', bytes };
    }
  }
}

it(`fuzz: ${variants} mutated videos, each exits cleanly within ${timeLimitMs / 1000} s`, { timeout: 600_000 }, async (t) => {
  const work = makeTempDir();
  const original = readFileSync(makeVideo(path.join(work, 'seed.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 }));
  const other = readFileSync(makeVideo(path.join(work, 'other.mkv'), { width: 96, height: 64, fps: 5, seconds: 1 }));
  const cases = [...mutations(original, other)];
  const tally = { runs: 0, ok: 0, errors: 0, timeouts: 0, crashes: 0, traces: 0 };
  const problems = [];
  let next = 0;
  const runOne = async () => {
    while (next < cases.length) {
      const k = next++;
      const dir = path.join(work, `case${k}`);
      mkdirSync(dir);
      const input = path.join(dir, 'input.mp4');
      writeFileSync(input, cases[k].bytes);
      const out = path.join(dir, 'out');
      const result = await runCli([input, '-o', out, '--format', 'davis,coco', '--model', models.tinyPrepared, '--progress', 'none'], { timeoutMs: timeLimitMs });
      tally.runs++;
      const lines = result.stderr.trim().split('\n').filter((l) => l && !l.includes('no GPU provider'));
      const timedOut = result.code === null && result.signal === 'SIGKILL';
      if (timedOut) tally.timeouts++;
      else if (result.code === null) tally.crashes++;
      else if (result.code === 0) tally.ok++;
      else tally.errors++;
      const trace = /^\s+at |Error: |node:internal/m.test(result.stderr);
      if (trace) tally.traces++;
      const oneLine = result.code === 0 || (lines.length === 1 && lines[0].startsWith('dino-track: error: '));
      const leftovers = readdirSync(dir).filter((n) => n.includes('.partial'));
      if (trace || !oneLine || leftovers.length || result.code === null) {
        problems.push(`#${k} (${cases[k].kind}) exit ${result.code}: ${result.stderr.trim().slice(0, 300)} ${leftovers.join(' ')}`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, runOne));
  const summary = `fuzz: ${tally.runs} runs, ${tally.ok} exit 0, ${tally.errors} one-line errors, ${tally.timeouts} time-outs, ${tally.crashes} killed by a signal, ${tally.traces} stack traces`;
  t.diagnostic(summary);
  process.stderr.write(`${summary}\n`);
  assert.deepEqual(problems, []);
  assert.equal(tally.runs, variants);
});
