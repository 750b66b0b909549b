import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, makeTempDir, makeVideo, models, runCli } from '../fixtures.js';
import { getFfmpegBinaries } from '../../dist/video/index.js';

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

/**
 * Starts `batch` over `videos` into `out`, one video at a time, and resolves once `shown` is on
 * stderr (a finished video's line) and the next video is under way.
 * @returns the child, its exit (code or signal) and its stderr so far
 */
async function startBatchUntil(videos, out, shown, extra = []) {
  const child = spawn(process.execPath, [cli, 'batch', videos, '-o', out, ...common, '--jobs', '1', ...extra], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const closed = new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? signal)));
  await new Promise((resolve) => child.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.includes(shown)) resolve();
  }));
  await sleep(300); // the next video is under way
  return { child, closed, stderr: () => stderr };
}

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
    // The same options written otherwise, and options that do not change what is written: skipped.
    const fourth = await runCli(['batch', videos, '-o', out, '--threshold', '0.50', '--threads', '1', ...common], { env });
    assert.match(fourth.stderr, /batch: 0 done, 2 skipped/);
  });

  it('refuses an -o it cannot create, in one line and at once (it hung under /proc), and creates missing parent folders', async () => {
    const { videos, out } = makeFolder(1);
    const started = Date.now();
    const proc = await runCli(['batch', videos, '-o', '/proc/dino-track-nope/out', ...common], { env, timeoutMs: 20_000 });
    assert.equal(proc.code, 2, proc.stderr);
    assert.equal(lines(proc.stderr).length, 1, proc.stderr);
    assert.match(proc.stderr, /\/proc is not writable/);
    assert.ok(Date.now() - started < 20_000);
    const unwritable = await runCli(['batch', videos, '-o', '/proc', ...common], { env, timeoutMs: 20_000 });
    assert.equal(unwritable.code, 2, unwritable.stderr);
    assert.match(unwritable.stderr, /^dino-track: error: output directory \/proc is not writable/);
    const nothing = await runCli(['batch', videos, '-o', '', ...common], { env });
    assert.equal(nothing.code, 2, nothing.stderr);
    assert.match(nothing.stderr, /Expected an output folder for -o, --output but received nothing/);
    const underFile = await runCli(['batch', videos, '-o', path.join(videos, 'v0.mp4', 'out'), ...common], { env });
    assert.equal(underFile.code, 2, underFile.stderr);
    assert.match(underFile.stderr, /v0\.mp4 is a file/);
    const dangling = path.join(path.dirname(out), 'gone');
    symlinkSync(path.join(path.dirname(out), 'nowhere'), dangling);
    const broken = await runCli(['batch', videos, '-o', path.join(dangling, 'out'), ...common], { env });
    assert.equal(broken.code, 2, broken.stderr);
    assert.match(broken.stderr, /^dino-track: error: cannot create -o .*: .*gone is a link to nothing; give another folder name\n$/);
    const nested = path.join(out, 'a', 'b');
    const made = await runCli(['batch', videos, '-o', nested, ...common], { env });
    assert.equal(made.code, 0, made.stderr);
    assert.ok(existsSync(path.join(nested, 'v0', 'masks')));
  });

  it('--progress none and -q as under track: no line per finished video, no closing line; failures still said, exit 1', async () => {
    const { videos, out } = makeFolder(2, { bad: true });
    const quietNone = await runCli(['batch', videos, '-o', out, ...common, '--progress', 'none', '-q'], { env });
    assert.equal(quietNone.code, 1, quietNone.stderr);
    const said = lines(quietNone.stderr);
    assert.ok(said.length > 0 && said.every((l) => l.includes('broken.mp4')), quietNone.stderr);
    const none = await runCli(['batch', videos, '-o', path.join(out, 'again'), ...common, '--progress', 'none', '--redo'], { env });
    assert.equal(none.code, 1, none.stderr);
    assert.doesNotMatch(none.stderr, /→|already done, skipped/);
    assert.match(none.stderr, /batch: 2 done, 0 skipped \(already done\), 1 failed/);
    const batchHelp = await runCli(['batch', '--help']);
    assert.match(batchHelp.stdout, /-q, --quiet/);
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
    const { child, closed } = await startBatchUntil(videos, out, '[1/3]');
    child.kill('SIGKILL');
    await closed;
    // The orphaned track run notices its parent is gone and removes its temporary output. It
    // stops its model worker and ffmpeg first: on a loaded 2-core machine (a benchmark beside
    // the suite) that once took longer than 10 s, so it has 30.
    for (let k = 0; k < 300 && readdirSync(out).some((n) => n.includes('.partial')); k++) await sleep(100);
    assert.deepEqual(readdirSync(out).filter((n) => n.includes('.partial')), []);
    const done = readdirSync(path.join(out, '.dino-track', 'done'));
    assert.deepEqual(done, ['v0.json']);
    const resumed = await runCli(['batch', videos, '-o', out, ...common, '--jobs', '1'], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /v0\.mp4: already done, skipped/);
    assert.match(resumed.stderr, /batch: 2 done, 1 skipped/);
    for (const name of ['v0', 'v1', 'v2']) assert.equal(readdirSync(path.join(out, name, 'masks')).length, 75);
  });

  it('stops at Ctrl-C: starts no further video, calls none failed, keeps what finished and removes the rest', async () => {
    // A first-time user's Ctrl-C went on starting the next videos (one ran to the end and was
    // recorded done), called the stopped ones failed, and exited 14 s later.
    const { videos, out } = makeFolder(5, { seconds: 3 });
    const run = await startBatchUntil(videos, out, '[1/5]');
    run.child.kill('SIGINT'); // the batch alone: its runs hear of it from the batch, as when it is signalled by name
    assert.equal(await run.closed, 130, run.stderr());
    const stderr = run.stderr();
    assert.match(lines(stderr).at(-1), /^dino-track: interrupted by SIGINT; partial output removed$/);
    assert.doesNotMatch(stderr, /failed|\[3\/5\]/);
    // What finished is kept and recorded; nothing else is there, and no manifest of a batch cut short.
    const outputs = readdirSync(out).filter((n) => !n.startsWith('.'));
    const done = readdirSync(path.join(out, '.dino-track', 'done')).map((n) => n.replace(/\.json$/, ''));
    assert.ok(outputs.length >= 1 && outputs.length <= 2, `outputs ${outputs}`);
    assert.deepEqual(done.sort(), outputs.sort());
    assert.deepEqual(readdirSync(out).filter((n) => n.includes('.partial')), []);
    assert.deepEqual(readdirSync(path.join(out, '.dino-track')).filter((n) => n.startsWith('manifest')), []);
  });

  it('records a video that finished as Ctrl-C came, so that the next batch skips it rather than refusing it', async () => {
    // A review: a run stopped after it had put its overlay in place, but before it exited, left the
    // overlay without a record, and the next batch refused it ("exists and no record says …").
    const { videos, out } = makeFolder(2, { seconds: 3 });
    const overlays = ['--model', models.tiny, '--short-side', '96']; // no --format: one NAME.mp4 per video
    const child = spawn(process.execPath, [cli, 'batch', videos, '-o', out, ...overlays, '--jobs', '2'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise((resolve) => child.on('close', resolve));
    const outputs = () => (existsSync(out) ? readdirSync(out).filter((n) => n.endsWith('.mp4') && !n.startsWith('.')) : []);
    const watch = setInterval(() => {
      if (outputs().length === 0) return;
      clearInterval(watch);
      child.kill('SIGINT'); // the moment the first overlay is in place
    }, 2);
    const code = await closed;
    clearInterval(watch);
    assert.ok(code === 130 || code === 0, `exit ${code}: ${stderr}`);
    const done = readdirSync(path.join(out, '.dino-track', 'done')).map((n) => n.replace(/\.json$/, '.mp4'));
    assert.ok(outputs().length >= 1);
    assert.deepEqual(done.sort(), outputs().sort(), stderr);
    const rerun = await runCli(['batch', videos, '-o', out, ...overlays], { env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.doesNotMatch(rerun.stderr, /no record says/);
  });

  it('stopped before any video is done, leaves no folder it created behind (missing parents included)', async () => {
    // 20 s videos: with 3 s ones a loaded machine let a video finish (its output whole, its record
    // written, as a stop during the placing now allows) before the SIGTERM landed, and the folder
    // then rightly stayed (CI, 1 run in 5).
    const { videos, work } = makeFolder(2, { seconds: 20 });
    const top = path.join(work, 'new');
    const out = path.join(top, 'out');
    const child = spawn(process.execPath, [cli, 'batch', videos, '-o', out, ...common, '--jobs', '2', '--progress', 'json'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    // Both videos under way: their progress lines come through.
    await new Promise((resolve) => child.stderr.on('data', (d) => {
      stderr += d;
      if (/"frame"/.test(stderr)) resolve();
    }));
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 143, stderr);
    assert.equal(existsSync(top), false, `${top} left behind`);
  });

  it('never replaces an input or a file it did not write, and never takes its own outputs for inputs', async () => {
    const { work, videos } = makeFolder(1);
    const overlay = ['--model', models.tiny, '--short-side', '96'];
    const input = path.join(videos, 'v0.mp4');
    const original = readFileSync(input);
    // -o the input folder itself: v0.mp4's overlay would be v0.mp4.
    const same = await runCli(['batch', videos, '-o', videos, ...overlay], { env });
    assert.equal(same.code, 1, same.stderr);
    assert.match(same.stderr, /v0\.mp4: failed: its output would be the input itself, .*v0\.mp4; give another -o \(nothing was replaced\)/);
    assert.ok(readFileSync(input).equals(original), 'the input video is unchanged');
    // A file of the user's where an output goes.
    const out = path.join(work, 'out');
    mkdirSync(out);
    writeFileSync(path.join(out, 'v0.mp4'), 'my precious');
    const theirs = await runCli(['batch', input, '-o', out, ...overlay], { env });
    assert.equal(theirs.code, 1);
    assert.match(theirs.stderr, /out\/v0\.mp4 exists and no record says this batch wrote it; move it away to process this video/);
    assert.equal(readFileSync(path.join(out, 'v0.mp4'), 'utf8'), 'my precious');
    // A folder output that a separate `track` run wrote (a careful prompted one, say): not the batch's to replace.
    const folders = path.join(work, 'folders');
    mkdirSync(folders);
    const tracked = await runCli([input, '-o', path.join(folders, 'v0') + path.sep, '--format', 'davis,coco', ...overlay, '--progress', 'none'], { env });
    assert.equal(tracked.code, 0, tracked.stderr);
    const coco = readFileSync(path.join(folders, 'v0', 'coco.json'));
    const batched = await runCli(['batch', input, '-o', folders, '--format', 'davis,coco', ...overlay], { env });
    assert.equal(batched.code, 1, batched.stderr);
    assert.match(batched.stderr, /folders\/v0 exists and no record says this batch wrote it; move it away to process this video \(nothing was replaced\)/);
    assert.ok(readFileSync(path.join(folders, 'v0', 'coco.json')).equals(coco), 'the track run\'s output is unchanged');
    // -o inside the input folder: the second run does not track the first one's overlay.
    const nested = path.join(videos, 'tracked');
    const first = await runCli(['batch', videos, '-o', nested, ...overlay], { env });
    assert.equal(first.code, 0, first.stderr);
    const second = await runCli(['batch', videos, '-o', nested, ...overlay], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /batch: 0 done, 1 skipped \(already done\), 0 failed/);
  });

  it('--redo replaces an overlay its record shows it wrote, though the overlay has no mark (written before the marks), and not a file put there since', async () => {
    const { isOwnFile } = await import('../../dist/cli/own-outputs.js');
    const { out, videos } = makeFolder(1);
    const overlay = ['--model', models.tiny, '--short-side', '96'];
    assert.equal((await runCli(['batch', videos, '-o', out, ...overlay], { env })).code, 0);
    const file = path.join(out, 'v0.mp4');
    const record = JSON.parse(readFileSync(path.join(out, '.dino-track', 'done', 'v0.json'), 'utf8'));
    /** The overlay without its mark, as an earlier version wrote it; `mtime` its time. */
    const unmark = (mtime) => {
      const bare = path.join(out, 'bare.mp4');
      execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-y', '-i', file, '-c', 'copy', '-map_metadata', '-1', bare]);
      renameSync(bare, file);
      utimesSync(file, mtime, mtime);
      assert.equal(isOwnFile(file, 'overlay'), false);
    };
    // After an upgrade: the batch's own overlay, unmarked, as old as its record, which an earlier version wrote without the overlay's size and time.
    const recordFile = path.join(out, '.dino-track', 'done', 'v0.json');
    assert.equal(typeof record.outputSize, 'number', 'this version records the overlay\'s size');
    delete record.outputSize;
    delete record.outputMtimeMs;
    writeFileSync(recordFile, JSON.stringify(record));
    unmark(new Date(Date.parse(record.finishedAt) - 60_000));
    const redone = await runCli(['batch', videos, '-o', out, '--redo', ...overlay], { env });
    assert.equal(redone.code, 0, redone.stderr);
    assert.equal(isOwnFile(file, 'overlay'), true, 'replaced by a marked overlay');
    // A file put there after the record (a user's own cut, say), newer than the record or
    // copied in with an older time (which the time alone let through): refused and kept, in the batch's words.
    const again = JSON.parse(readFileSync(recordFile, 'utf8'));
    for (const shift of [60_000, -60_000]) {
      unmark(new Date(Date.parse(again.finishedAt) + shift));
      const before = readFileSync(file);
      const refused = await runCli(['batch', videos, '-o', out, '--redo', ...overlay], { env });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, /v0\.mp4 exists and is not an overlay dino-track wrote as that name .*; batch replaces only dino-track's own outputs: remove it yourself if it may go, or give batch another -o folder$/m);
      assert.ok(readFileSync(file).equals(before), 'kept as it was');
    }
  });

  it('--redo into a mask folder that holds a file of the user\'s: refused in the batch\'s words (another batch -o folder, not --overwrite or another -o), the file kept', async () => {
    const { out, videos } = makeFolder(1);
    const masks = ['--model', models.tiny, '--short-side', '96', '--format', 'davis'];
    assert.equal((await runCli(['batch', videos, '-o', out, ...masks], { env })).code, 0);
    const notes = path.join(out, 'v0', 'notes.txt');
    writeFileSync(notes, 'mine');
    const refused = await runCli(['batch', videos, '-o', out, '--redo', ...masks], { env });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /v0\/ holds files dino-track did not write \(notes\.txt\); move them out, or give batch another -o folder \(nothing was deleted\)$/m);
    assert.equal(readFileSync(notes, 'utf8'), 'mine');
  });

  it('a video over --timeout is reported with how to give it longer, its partial output gone', async () => {
    const work = makeTempDir();
    const input = makeVideo(path.join(work, 'long.mp4'), { width: 128, height: 96, fps: 25, seconds: 20 });
    const out = path.join(work, 'out');
    const run = await runCli(['batch', input, '-o', out, ...common, '--timeout', '1'], { env });
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /long\.mp4: failed: timed out after 1 s \(its partial output removed\); give a larger --timeout, or 0 for none, if it needs longer/);
    assert.deepEqual(readdirSync(out).filter((n) => n !== '.dino-track'), []);
  });

  it('never gives an input its own bookkeeping folder\'s name (.dino-track.mp4)', async () => {
    const work = makeTempDir();
    const input = makeVideo(path.join(work, '.dino-track.mp4'), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    const out = path.join(work, 'out');
    const run = await runCli(['batch', input, '-o', out, ...common], { env });
    assert.equal(run.code, 0, run.stderr);
    const outputs = readdirSync(out).filter((n) => n !== '.dino-track');
    assert.equal(outputs.length, 1, readdirSync(out).join(', '));
    assert.match(outputs[0], /^\.dino-track_[0-9a-f]{8}$/);
    assert.equal(readdirSync(path.join(out, outputs[0], 'masks')).length, 10);
    assert.deepEqual(readdirSync(path.join(out, '.dino-track')).sort(), ['done', 'manifest-0-of-1.json']);
    // And again, as a rerun would: skipped, not refused as a folder holding files dino-track did not write.
    const again = await runCli(['batch', input, '-o', out, ...common], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /batch: 0 done, 1 skipped/);
  });

  it('shortens an output name its record could not be written beside (a 251-byte input name), the same on every run', async () => {
    // A third trial: the output was written, then its record's name was too long: the whole batch
    // stopped (the other videos never ran), and every rerun refused the output as not its own.
    const work = makeTempDir();
    const videos = path.join(work, 'videos');
    mkdirSync(videos);
    const long = `${'é'.repeat(20)}${'a'.repeat(211)}`; // 251 bytes
    makeVideo(path.join(videos, `${long}.mp4`), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    copyFileSync(path.join(videos, `${long}.mp4`), path.join(videos, 'short.mp4'));
    const out = path.join(work, 'out');
    for (const expected of [/batch: 2 done/, /batch: 0 done, 2 skipped/]) {
      const run = await runCli(['batch', videos, '-o', out, ...common, '--jobs', '1'], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, expected);
    }
    const [shortened, short] = readdirSync(out).filter((n) => n !== '.dino-track').sort((a, b) => b.length - a.length);
    assert.match(shortened, new RegExp(`^${'é'.repeat(20)}a+_[0-9a-f]{8}$`));
    assert.ok(Buffer.byteLength(shortened) <= 255 - '.json.4194304.tmp'.length - '.mp4'.length, shortened);
    assert.equal(short, 'short');
  });

  it('gives inputs that differ only by extension, case or folder joins outputs of their own', async () => {
    const work = makeTempDir();
    const videos = path.join(work, 'v');
    mkdirSync(path.join(videos, 'a'), { recursive: true });
    mkdirSync(path.join(videos, 'b'));
    const first = makeVideo(path.join(videos, 'clip.mp4'), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    copyFileSync(first, path.join(videos, 'clip.mov'));
    copyFileSync(first, path.join(videos, 'a', 'x.mp4'));
    copyFileSync(first, path.join(videos, 'b', 'x.mp4'));
    copyFileSync(first, path.join(videos, 'a_x.mp4')); // a/x.mp4 is a_x too, once b/x.mp4 makes x ambiguous
    const out = path.join(work, 'out');
    const run = await runCli(['batch', videos, '-o', out, ...common, '--jobs', '2'], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /batch: 5 done, 0 skipped/);
    const outputs = readdirSync(out).filter((n) => !n.startsWith('.'));
    assert.equal(new Set(outputs.map((n) => n.toLowerCase())).size, 5, `five distinct outputs: ${outputs.join(', ')}`);
    for (const name of outputs) assert.equal(readdirSync(path.join(out, name, 'masks')).length, 10, name);
  });

  it('writes masks for a video whose name less its extension ends like a video (a phone clip converted: IMG_0001.MOV.mp4)', async () => {
    // A first-time user's trial: its output folder IMG_0001.MOV was refused as "a video file".
    const work = makeTempDir();
    const videos = path.join(work, 'v');
    mkdirSync(videos);
    makeVideo(path.join(videos, 'IMG_0001.MOV.mp4'), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    const out = path.join(work, 'out');
    const run = await runCli(['batch', videos, '-o', out, ...common], { env });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(readdirSync(path.join(out, 'IMG_0001.MOV', 'masks')).length, 10);
  });

  it('keeps the names of finished outputs when inputs are added (a clashing name no longer renames and redoes them)', async () => {
    const work = makeTempDir();
    const videos = path.join(work, 'v');
    mkdirSync(path.join(videos, 'a'), { recursive: true });
    makeVideo(path.join(videos, 'a', 'clip.mp4'), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    const out = path.join(work, 'out');
    const first = await runCli(['batch', videos, '-o', out, ...common], { env });
    assert.equal(first.code, 0, first.stderr);
    mkdirSync(path.join(videos, 'b'));
    copyFileSync(path.join(videos, 'a', 'clip.mp4'), path.join(videos, 'b', 'clip.mp4'));
    const second = await runCli(['batch', videos, '-o', out, ...common], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /batch: 1 done, 1 skipped/);
    assert.deepEqual(readdirSync(out).filter((n) => !n.startsWith('.')).sort(), ['b_clip', 'clip']);
  });

  it('another batch into the same -o never takes a finished output\'s name, and a failed rerun does not orphan an output', async () => {
    const work = makeTempDir();
    mkdirSync(path.join(work, 'a'));
    mkdirSync(path.join(work, 'b'));
    const a = makeVideo(path.join(work, 'a', 'clip.mp4'), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    const b = path.join(work, 'b', 'clip.mp4');
    copyFileSync(a, b);
    const out = path.join(work, 'out');
    assert.equal((await runCli(['batch', a, '-o', out, ...common], { env })).code, 0);
    const before = readdirSync(path.join(out, 'clip', 'masks'));
    const second = await runCli(['batch', b, '-o', out, ...common], { env });
    assert.equal(second.code, 0, second.stderr);
    const names = readdirSync(out).filter((n) => !n.startsWith('.')).sort();
    assert.equal(names.length, 2, `two outputs: ${names.join(', ')}`);
    assert.ok(names.includes('clip'));
    assert.deepEqual(readdirSync(path.join(out, 'clip', 'masks')), before);
    // Overlays: a rerun with other options that fails leaves the earlier overlay, still the batch's own.
    const overlays = path.join(work, 'overlays');
    const overlay = ['--model', models.tiny, '--short-side', '96'];
    assert.equal((await runCli(['batch', a, '-o', overlays, ...overlay], { env })).code, 0);
    const failed = await runCli(['batch', a, '-o', overlays, '--model', path.join(work, 'missing.onnx'), '--short-side', '96'], { env });
    assert.equal(failed.code, 1);
    const again = await runCli(['batch', a, '-o', overlays, ...overlay], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /batch: 0 done, 1 skipped \(already done\), 0 failed/);
  });

  it('skips finished inputs whatever the spelling of the same options (defaults given, formats in any order, repeated)', async () => {
    const work = makeTempDir();
    const input = makeVideo(path.join(work, 'v.mp4'), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    const out = path.join(work, 'out');
    const base = ['--model', models.tiny, '--short-side', '96'];
    const first = await runCli(['batch', input, '-o', out, ...base, '--format', 'davis,coco'], { env });
    assert.equal(first.code, 0, first.stderr);
    for (const same of [
      ['--format', 'coco,davis'],
      ['--format', 'davis,coco,davis', '--threshold', '0.6'],
      ['--format', 'davis, coco', '--stride', '1', '--refine', 'auto', '--max-objects', '8', '--precision', 'auto'],
    ]) {
      const run = await runCli(['batch', input, '-o', out, ...base, ...same], { env });
      assert.match(run.stderr, /batch: 0 done, 1 skipped/, same.join(' '));
    }
    const other = await runCli(['batch', input, '-o', out, ...base, '--format', 'coco,davis', '--max-objects', '4'], { env });
    assert.match(other.stderr, /batch: 1 done, 0 skipped/);
  });

  it('names outputs from the folder given, never from the machine\'s paths above it', async () => {
    const work = makeTempDir();
    const videos = path.join(work, 'c');
    mkdirSync(videos);
    const clip = makeVideo(path.join(videos, 'clip.mp4'), { width: 128, height: 96, fps: 25, seconds: 0.4 });
    copyFileSync(clip, path.join(videos, 'clip.mov'));
    const out = path.join(work, 'out');
    const run = await runCli(['batch', videos, '-o', out, ...common], { env });
    assert.equal(run.code, 0, run.stderr);
    const names = readdirSync(out).filter((n) => !n.startsWith('.')).sort();
    assert.equal(names.length, 2);
    for (const name of names) assert.match(name, /^clip_[0-9a-f]{8}$/);
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
