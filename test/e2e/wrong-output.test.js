// Issue 12: runs that used to exit 0 with wrong output, or lose a user's files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { decode } from 'fast-png';
import { encodeDavisPng } from '../../dist/export/index.js';
import { createFeatureCacheWriter } from '../../dist/features/index.js';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { makeSquaresVideo, makeTempDir, makeVideo, models, runCli, startCli } from '../fixtures.js';
import { squareFeatures } from '../track/square-features.js';

const work = makeTempDir();
const env = { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
const model = ['--model', models.tiny, '--short-side', '96', '--progress', 'none'];
const video = makeVideo(path.join(work, 'in.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });

/** Labels `[96, 128]` with a rectangle of `id`. */
function makeLabels(id, [x0, y0, x1, y1]) {
  const labels = new Uint16Array(128 * 96);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) labels[y * 128 + x] = id;
  return labels;
}

function readMask(folder, index) {
  return decode(readFileSync(path.join(folder, 'masks', `${String(index).padStart(5, '0')}.png`))).data;
}

/** A feature cache of 128x96 frames (8x6 patches of 16) from `squaresAt(t)` → [[row, col, axis], …]. */
async function makeCache(file, frames, squaresAt) {
  const shape = { rows: 6, cols: 8, dim: 8, heads: 2 };
  const writer = createFeatureCacheWriter(file, { patch_size: 16, frame_width: 128, frame_height: 96, fps: 10, model: 'test' });
  for (let t = 0; t < frames; t++) await writer.write({ index: t, ...shape, ...squareFeatures(shape, squaresAt(t)) });
  await writer.finish();
  return file;
}

describe('prompted mode: the annotated frame', () => {
  const mask = path.join(work, 'init.png');
  writeFileSync(mask, encodeDavisPng(makeLabels(3, [16, 16, 80, 64]), 128, 96));

  it('is a key frame whatever the stride: --stride 3 --init-frame 1 gives frame 1 its mask', async () => {
    const out = path.join(work, 'stride-init');
    const result = await runCli([video, '--init-mask', mask, '--init-frame', '1', '--stride', '3', '-o', out, '--format', 'davis', ...model], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(Array.from(readMask(out, 1)), Array.from(makeLabels(3, [16, 16, 80, 64])));
    // Frame 0, before the annotation, is filled by propagating it backwards (issue 18; it used to stay empty).
    assert.deepEqual([...new Set(readMask(out, 0))].sort(), [0, 3]);
  });

  it('past the last frame is a usage error, nothing written', async () => {
    const out = path.join(work, 'late-init');
    const result = await runCli([video, '--init-mask', mask, '--init-frame', '50', '-o', out, '--format', 'davis', ...model], { env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /Expected a frame index from 0 to 9 for --init-frame but received 50 \(the input has 10 frames\)/);
    assert.equal(existsSync(out), false);
  });

  it('refuses --occlusion-frames, and a mask with more objects than --max-objects', async () => {
    const occlusion = await runCli([video, '--init-mask', mask, '--occlusion-frames', '5', '-o', path.join(work, 'o1'), ...model], { env });
    assert.equal(occlusion.code, 2);
    assert.match(occlusion.stderr, /--occlusion-frames .*prompted mode/);
    const two = path.join(work, 'two.png');
    const labels = makeLabels(1, [0, 0, 30, 30]);
    labels.set(makeLabels(2, [60, 60, 90, 90]).map((v, i) => v || labels[i]));
    writeFileSync(two, encodeDavisPng(labels, 128, 96));
    const crowded = await runCli([video, '--init-mask', two, '--max-objects', '1', '-o', path.join(work, 'o2'), ...model], { env });
    assert.equal(crowded.code, 2, crowded.stderr);
    assert.match(crowded.stderr, /marks 2 objects, more than --max-objects 1; raise --max-objects/);
    assert.equal(existsSync(path.join(work, 'o2')), false);
  });
});

describe('feature cache and video must match', () => {
  it('refuses a video with more frames than the cache', async () => {
    const cache = await makeCache(path.join(work, 'short.safetensors'), 5, () => [[1, 1, 1]]);
    const out = path.join(work, 'mismatch');
    const result = await runCli([video, '--features', cache, '-o', out, '--format', 'davis', '--progress', 'none'], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /the video has 10 frames but the feature cache has 5; give the video the cache was made from/);
    assert.equal(existsSync(out), false);
  });
});

describe('ids past 255 with DAVIS output', () => {
  it('stops with the frames before kept and one line saying so', async () => {
    // Object 255 is annotated; a second object is discovered after 3 frames and would be 256.
    const cache = await makeCache(path.join(work, 'two-objects.safetensors'), 8, () => [[1, 1, 1], [2, 5, 2]]);
    const mask = path.join(work, 'id255.png');
    writeFileSync(mask, encodeDavisPng(makeLabels(255, [16, 16, 64, 64]), 128, 96));
    const out = path.join(work, 'ids');
    const result = await runCli(['--features', cache, '--init-mask', mask, '--discover', '-o', out, '--format', 'davis,mot', '--progress', 'none'], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /stopped at frame (\d+): track id 256 does not fit an 8-bit DAVIS PNG .*frames 0-\d+ are written to/);
    const stoppedAt = Number(/stopped at frame (\d+)/.exec(result.stderr)[1]);
    // Found on its third frame and painted into the two before (its birth window): the first frame it is on is 1.
    assert.ok(stoppedAt >= 1, `stopped at ${stoppedAt}`);
    assert.equal(readdirSync(path.join(out, 'masks')).length, stoppedAt);
    assert.ok(existsSync(path.join(out, 'tracks.txt')));
  });

  it('a run from a video stopped there does not save a feature cache of part of it, and says so', async () => {
    // A review: --save-features was saved anyway, holding more frames than were written and fewer
    // than the video's, which a run with that video then refused.
    const squares = makeSquaresVideo(path.join(work, 'ids-squares.mp4'));
    const mask = path.join(work, 'id255-red.png');
    const labels = new Uint16Array(320 * 240);
    for (let y = 60; y < 110; y++) for (let x = 30; x < 80; x++) labels[y * 320 + x] = 255;
    writeFileSync(mask, encodeDavisPng(labels, 320, 240));
    const saved = path.join(work, 'ids-features.safetensors');
    const out = path.join(work, 'ids-video');
    const result = await runCli([squares, '--init-mask', mask, '--discover', '-o', out, '--format', 'davis', '--save-features', saved, '--model', models.designed, '--progress', 'none'], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /stopped at frame \d+: track id 256 does not fit an 8-bit DAVIS PNG .*; --save-features .*ids-features\.safetensors was not written \(it would hold part of the video\); to track on/);
    assert.ok(!existsSync(saved));
    assert.deepEqual(readdirSync(work).filter((n) => n.startsWith('.ids-features')), []);
  });
});

describe('output folders: never delete what the tool did not write', () => {
  it('refuses a folder holding a user\'s file, even with --overwrite, and leaves it as it was', async () => {
    const mine = path.join(work, 'mine');
    mkdirSync(mine);
    writeFileSync(path.join(mine, 'notes.txt'), 'precious');
    const result = await runCli([video, '-o', mine, '--format', 'davis', '--overwrite', ...model], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /holds files dino-track did not write \(notes\.txt\)/);
    assert.deepEqual(readdirSync(mine), ['notes.txt']);
    assert.equal(readFileSync(path.join(mine, 'notes.txt'), 'utf8'), 'precious');
  });

  it('writes into an existing empty folder; refuses to replace that run without --overwrite; replaces it with', async () => {
    const out = path.join(work, 'empty');
    mkdirSync(out);
    const first = await runCli([video, '-o', out, '--format', 'davis', ...model], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(readdirSync(path.join(out, 'masks')).length, 10);
    const again = await runCli([video, '-o', out, '--format', 'coco', ...model], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /holds the output of an earlier run; pass --overwrite to replace it/);
    const replaced = await runCli([video, '-o', out, '--format', 'coco', '--overwrite', ...model], { env });
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.deepEqual(readdirSync(out).filter((n) => !n.startsWith('.')), ['coco.json']);
    assert.deepEqual(readdirSync(work).filter((n) => n.includes('.partial') || n.includes('.replaced')), []);
  });

  it('a video -o that exists is refused without --overwrite', async () => {
    const out = path.join(work, 'exists.mp4');
    writeFileSync(out, 'not ours to replace unasked');
    const result = await runCli([video, '-o', out, ...model], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /exists\.mp4 already exists; pass --overwrite to replace it/);
    assert.equal(readFileSync(out, 'utf8'), 'not ours to replace unasked');
  });

  it('a file of the user\'s that appears at -o or --save-features while the run works is kept; the run\'s goes beside it', async () => {
    // A review: the finished overlay and feature cache were renamed over the user's files, exit 0.
    const dir = makeTempDir();
    const long = makeVideo(path.join(dir, 'long.mp4'), { width: 128, height: 96, fps: 10, seconds: 20 });
    const [out, features] = [path.join(dir, 'out.mp4'), path.join(dir, 'f.safetensors')];
    const run = startCli([long, '-o', out, '--save-features', features, ...model.filter((a) => a !== 'none'), 'json'], { env });
    await run.waitFor('"frame"');
    writeFileSync(out, 'the user\'s video');
    writeFileSync(features, 'the user\'s cache');
    const { code } = await run.closed;
    assert.equal(code, 2, run.stderr());
    assert.equal(readFileSync(out, 'utf8'), 'the user\'s video');
    assert.equal(readFileSync(features, 'utf8'), 'the user\'s cache');
    const errors = run.stderr().split('\n').filter((l) => l.startsWith('dino-track: error:'));
    assert.equal(errors.length, 1, run.stderr());
    assert.match(errors[0], /(out\.mp4|f\.safetensors) appeared while this run worked and was left as it is; this run's output is in .*(out-new\.mp4|f-new\.safetensors) instead \(nothing was deleted\)/);
    // Both of this run's files are kept beside the user's, whichever failed first (a review: the
    // overlay was thrown away when the cache's target had appeared, while the line said nothing was deleted).
    assert.deepEqual(readdirSync(dir).sort(), ['f-new.safetensors', 'f.safetensors', 'long.mp4', 'out-new.mp4', 'out.mp4']);
    assert.ok(readdirSync(dir).every((name) => !name.startsWith('.')), `no temporary file left: ${readdirSync(dir)}`);
  });

  it('where only the cache could not be put in place, the error says that -o was written in full (a first-time user took it for a failed run)', async () => {
    const dir = makeTempDir();
    const clip = makeVideo(path.join(dir, 'clip.mp4'), { width: 128, height: 96, fps: 10, seconds: 6 });
    const [out, features] = [path.join(dir, 'out'), path.join(dir, 'f.safetensors')];
    const run = startCli([clip, '-o', out, '--format', 'coco', '--save-features', features, ...model.filter((a) => a !== 'none'), 'json'], { env });
    await run.waitFor('"frame"');
    writeFileSync(features, 'the user\'s cache');
    const { code } = await run.closed;
    assert.equal(code, 2, run.stderr());
    const errors = run.stderr().split('\n').filter((l) => l.startsWith('dino-track: error:'));
    assert.match(errors[0], /f\.safetensors appeared while this run worked and was left as it is; this run's output is in .*f-new\.safetensors instead \(nothing was deleted\); -o .*out was written in full$/);
    assert.ok(existsSync(path.join(out, 'coco.json')));
    assert.equal(readFileSync(features, 'utf8'), 'the user\'s cache');
  });
});

describe('file outputs: --overwrite replaces only what dino-track wrote', () => {
  it("keeps a user's file named as the overlay or the feature cache, and replaces its own", async () => {
    // A third trial: a text draft.mp4 and a notes.safetensors were replaced with --overwrite.
    const dir = makeTempDir();
    const draft = path.join(dir, 'draft.mp4');
    const notes = path.join(dir, 'notes.safetensors');
    writeFileSync(draft, 'my thesis draft');
    writeFileSync(notes, 'my notes');
    for (const [args, pattern] of [
      [['-o', draft], /^dino-track: error: -o \S+draft\.mp4 exists and is not an overlay dino-track wrote as that name in that folder \(an overlay carries a dino-track mark of its file name and folder in its metadata; earlier versions wrote none, or one without the folder\); --overwrite replaces only dino-track's own outputs: remove it yourself if it may go, or give another -o$/],
      [['-o', path.join(dir, 'v.mp4'), '--save-features', notes], /^dino-track: error: --save-features \S+notes\.safetensors exists and is not a feature cache dino-track wrote \(its header does not name dino-track's format\); --overwrite replaces only dino-track's own outputs: remove it yourself if it may go, or give another --save-features$/],
    ]) {
      const { code, stderr } = await runCli([video, ...args, '--overwrite', ...model], { env });
      assert.equal(code, 2, stderr);
      assert.match(stderr.trim(), pattern);
    }
    assert.equal(readFileSync(draft, 'utf8'), 'my thesis draft');
    assert.equal(readFileSync(notes, 'utf8'), 'my notes');
    // Its own outputs it replaces, again and again.
    const overlay = path.join(dir, 'overlay.mp4');
    const cache = path.join(dir, 'f.safetensors');
    for (let run = 0; run < 2; run++) {
      const { code, stderr } = await runCli([video, '-o', overlay, '--save-features', cache, '--overwrite', ...model], { env });
      assert.equal(code, 0, stderr);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['draft.mp4', 'f.safetensors', 'notes.safetensors', 'overlay.mp4']);
    // A user's copy of our overlay (ffmpeg copies its metadata, mark included) is the user's; a link to our overlay is ours (a trial).
    const { ffmpeg } = getFfmpegBinaries();
    const copy = path.join(dir, 'copy.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-i', overlay, '-c', 'copy', copy]);
    const copied = await runCli([video, '-o', copy, '--overwrite', ...model], { env });
    assert.equal(copied.code, 2, copied.stderr);
    assert.match(copied.stderr, /copy\.mp4 exists and is not an overlay dino-track wrote as that name/);
    const link = path.join(dir, 'link.mp4');
    symlinkSync(overlay, link);
    const linked = await runCli([video, '-o', link, '--overwrite', ...model], { env });
    assert.equal(linked.code, 0, linked.stderr);
    // A byte copy of our overlay under the same name in another folder is the user's too (a leftover of session 32).
    const elsewhere = path.join(dir, 'kept');
    mkdirSync(elsewhere);
    const kept = path.join(elsewhere, 'overlay.mp4');
    copyFileSync(overlay, kept);
    const keptBytes = readFileSync(kept);
    const copiedElsewhere = await runCli([video, '-o', kept, '--overwrite', ...model], { env });
    assert.equal(copiedElsewhere.code, 2, copiedElsewhere.stderr);
    assert.match(copiedElsewhere.stderr, /kept\/overlay\.mp4 exists and is not an overlay dino-track wrote as that name/);
    assert.ok(readFileSync(kept).equals(keptBytes));
    rmSync(elsewhere, { recursive: true });
    // The overlay of a folder output is marked with the folder it is put in, not the temporary one it was written in (a review).
    const folderOut = path.join(dir, 'both');
    assert.equal((await runCli([video, '-o', folderOut, '--format', 'davis,overlay', ...model], { env })).code, 0);
    const again = await runCli([video, '-o', path.join(folderOut, 'overlay.mp4'), '--overwrite', ...model], { env });
    assert.equal(again.code, 0, again.stderr);
    rmSync(folderOut, { recursive: true });
    rmSync(copy);
    rmSync(link);
    // A named pipe at -o: refused at once (a review: opening it to look for the mark blocked for ever).
    const pipe = path.join(dir, 'pipe.mp4');
    execFileSync('mkfifo', [pipe]);
    const piped = await runCli([video, '-o', pipe, '--overwrite', ...model], { env, timeoutMs: 30_000 });
    assert.equal(piped.code, 2, piped.stderr);
    assert.match(piped.stderr, /pipe\.mp4 exists and is not an overlay dino-track wrote/);
    rmSync(pipe);
  });
});

describe('outputs never replace what the run reads, nor a user\'s files inside our folders', () => {
  it('--overwrite does not delete a user\'s files inside masks/ of an earlier run', async () => {
    const out = path.join(work, 'fixes-inside');
    const first = await runCli([video, '-o', out, '--format', 'davis', ...model], { env });
    assert.equal(first.code, 0, first.stderr);
    mkdirSync(path.join(out, 'masks', 'fixes'));
    writeFileSync(path.join(out, 'masks', 'fixes', '00003.png'), 'painted by hand');
    writeFileSync(path.join(out, 'masks', 'extra.png'), 'mine too');
    const again = await runCli([video, '-o', out, '--format', 'davis', '--overwrite', ...model], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /holds files dino-track did not write \(masks\/extra\.png, masks\/fixes\); give a new or empty folder \(nothing was deleted\)/);
    assert.equal(readFileSync(path.join(out, 'masks', 'fixes', '00003.png'), 'utf8'), 'painted by hand');
    assert.equal(readFileSync(path.join(out, 'masks', 'extra.png'), 'utf8'), 'mine too');
  });

  it('--overwrite does not replace an earlier run whose mask an annotator edited in place (nor does a run that started before the edit)', async () => {
    // The round trip's natural slip: fix out/masks/00004.png in a paint tool, then rerun into
    // out with --overwrite. The edit was deleted with the old output.
    const out = path.join(work, 'edited-in-place');
    const first = await runCli([video, '-o', out, '--format', 'davis,coco', ...model], { env });
    assert.equal(first.code, 0, first.stderr);
    const edited = path.join(out, 'masks', '00004.png');
    const fix = encodeDavisPng(new Uint16Array(128 * 96).fill(3), 128, 96);
    writeFileSync(edited, fix);
    const again = await runCli([video, '-o', out, '--format', 'davis', '--overwrite', ...model], { env });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /holds files changed since dino-track wrote them \(masks\/00004\.png\), or copied without their times \(cp -p and rsync -t keep them\), which replacing it would lose; move them out \(edited masks can go in a --prompts folder\) or give another -o \(nothing was deleted\)/);
    assert.deepEqual(readFileSync(edited), Buffer.from(fix));
    assert.deepEqual(readdirSync(path.dirname(out)).filter((name) => name.startsWith('.edited-in-place')), [], 'no partial output left');
  });

  it('-o or --save-features naming the input video is refused, even with --overwrite, and the video is kept', async () => {
    const own = path.join(work, 'own.mp4');
    writeFileSync(own, readFileSync(video));
    const before = readFileSync(own);
    for (const args of [['-o', own, '--overwrite'], ['-o', path.join(work, 'own-out'), '--save-features', own, '--overwrite']]) {
      const result = await runCli([own, ...args, ...model], { env });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^dino-track: error: (-o|--save-features) .*own\.mp4 is the same path as INPUT .*own\.mp4: the run would replace what it reads; give another (-o|--save-features)\n$/);
      assert.ok(readFileSync(own).equals(before), 'the input video is unchanged');
    }
  });

  it('--save-features naming one of the prompts is refused, even with --overwrite, and the prompt is kept', async () => {
    // A first-time user: without --overwrite it advised --overwrite, which then replaced a hand-fixed prompt with a feature cache.
    const fixes = path.join(work, 'fixes');
    mkdirSync(fixes);
    const prompt = path.join(fixes, '00005.png');
    writeFileSync(prompt, encodeDavisPng(makeLabels(3, [16, 16, 80, 64]), 128, 96));
    const before = readFileSync(prompt);
    for (const extra of [[], ['--overwrite']]) {
      const result = await runCli([video, '--prompts', fixes, '-o', path.join(work, 'fixes-out'), '--save-features', prompt, ...extra, ...model], { env });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^dino-track: error: --save-features .*00005\.png is the same path as --prompts .*00005\.png: the run would replace what it reads; give another --save-features\n$/);
      assert.ok(readFileSync(prompt).equals(before), 'the prompt is unchanged');
    }
  });

  it('-o a hard link to the input video is refused too (another name of the same file)', async () => {
    const own = path.join(work, 'linked.mp4');
    writeFileSync(own, readFileSync(video));
    const link = path.join(work, 'link-to-linked.mp4');
    linkSync(own, link);
    const result = await runCli([own, '-o', link, '--overwrite', ...model], { env });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /is the same path as INPUT/);
    assert.ok(readFileSync(own).equals(readFileSync(video)));
  });

  it('an output folder that holds the input, the prompts or the feature cache is refused', async () => {
    const out = path.join(work, 'holds-input');
    const first = await runCli([video, '-o', out, '--format', 'davis', ...model], { env });
    assert.equal(first.code, 0, first.stderr);
    // The run's own masks as prompts, and the run's folder as -o again: the prompts would be replaced mid-way.
    const result = await runCli([video, '--prompts', path.join(out, 'masks'), '-o', out, '--format', 'davis', '--overwrite', ...model], { env });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--prompts .*masks is inside -o .*holds-input, which the run replaces; move it out or give another -o/);
    assert.equal(readdirSync(path.join(out, 'masks')).length, 10, 'the earlier run is still there');
  });
});

describe('a writer that fails stops the run at once', () => {
  it('an output folder that cannot be created fails before any work', async () => {
    const started = Date.now();
    const result = await runCli([video, '-o', '/proc/dino-track-x/', '--format', 'davis', ...model], { env, timeoutMs: 30_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /output directory \/proc is not writable \(\w+\); choose another -o/);
    assert.ok(Date.now() - started < 20_000);
  });

  it('an overlay encoder that dies stops the run long before the end of the video', async () => {
    const long = makeVideo(path.join(work, 'long.mp4'), { width: 128, height: 96, fps: 25, seconds: 20 });
    const { ffmpeg } = getFfmpegBinaries();
    const wrapper = path.join(work, 'encoder-dies.sh');
    // The encoder (reading pipe:0) takes the first frame, then fails, as when it cannot create its output.
    writeFileSync(wrapper, `#!/bin/sh\ncase "$*" in *pipe:0*) dd bs=1024 count=48 of=/dev/null 2>/dev/null; echo "Could not open output: Permission denied" >&2; exit 1;; esac\nexec "${ffmpeg}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const result = await runCli([long, '-o', path.join(work, 'dies.mp4'), ...model.slice(0, -2), '--progress', 'json'], { env: { ...env, FFMPEG_PATH: wrapper } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /ffmpeg failed while encoding the overlay video: Could not open output: Permission denied/);
    const done = result.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).frame);
    assert.ok(Math.max(0, ...done) < 100, `wrote ${Math.max(...done)} of 500 frames before stopping`);
    assert.equal(existsSync(path.join(work, 'dies.mp4')), false);
  });
});

describe('an overlay ffmpeg could not finish', () => {
  it('is an error, not a broken video put in place, where ffmpeg exits 0 (a full disk on ffmpeg 4.1)', async () => {
    const { ffmpeg } = getFfmpegBinaries();
    const wrapper = path.join(work, 'trailer-fails.sh');
    // The encoder (reading pipe:0) takes every frame, writes a file without its index and says
    // why, then exits 0, as the npm-shipped ffmpeg 4.1 does on a full disk.
    writeFileSync(wrapper, `#!/bin/sh\ncase "$*" in *pipe:0*) for a; do out="$a"; done; cat > /dev/null; printf 'no index' > "$out"; echo "[mp4 @ 0x5f] Error writing trailer of $out: No space left on device" >&2; exit 0;; esac\nexec "${ffmpeg}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const target = path.join(work, 'full-disk.mp4');
    const earlier = await runCli([video, '-o', target, ...model], { env });
    assert.equal(earlier.code, 0, earlier.stderr);
    const earlierBytes = readFileSync(target);
    const result = await runCli([video, '-o', target, '--overwrite', ...model], { env: { ...env, FFMPEG_PATH: wrapper } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^dino-track: error: ffmpeg failed while encoding the overlay video: \[mp4 @ 0x5f\] Error writing trailer of .*: No space left on device; free disk space where -o points, or write elsewhere\n$/m);
    assert.doesNotMatch(result.stderr, /wrote /);
    assert.ok(readFileSync(target).equals(earlierBytes), 'the earlier overlay is kept');
    assert.deepEqual(readdirSync(work).filter((name) => name.startsWith('.full-disk')), [], 'no partial file left');
  });
});

describe('timestamps and streams', () => {
  const { ffmpeg, ffprobe } = getFfmpegBinaries();

  it('keeps a variable-frame-rate input\'s timing: overlay as long as the input, ndjson times are the frames\' own', async () => {
    const vfr = path.join(work, 'vfr.mp4');
    // 30 fps source keeping 10 frames of every 30 plus every 5th: gaps of 1/30 s and 1/6 s.
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000',
      // No B-frames: the npm-shipped ffmpeg 4.1 writes their edit list a frame short, and its own decoder would then drop frames of the input.
      '-t', '3.7', '-vf', "select='lt(mod(n\\,30)\\,10)+not(mod(n\\,5))'", '-vsync', 'vfr', '-c:v', 'libx264', '-bf', '0', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', vfr]);
    const out = path.join(work, 'vfr-out');
    const result = await runCli([vfr, '-o', out, '--format', 'overlay,ndjson', ...model], { env });
    assert.equal(result.code, 0, result.stderr);
    const frameTimes = (file) => execFileSync(ffprobe, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' })
      .trim().split('\n').map(Number).sort((a, b) => a - b);
    const input = frameTimes(vfr);
    const overlay = frameTimes(path.join(out, 'overlay.mp4'));
    assert.equal(overlay.length, input.length);
    overlay.forEach((t, k) => assert.ok(Math.abs(t - input[k]) < 0.002, `frame ${k} at ${t} s, input ${input[k]} s`));
    const lines = readFileSync(path.join(out, 'tracks.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    lines.forEach((line, k) => assert.ok(Math.abs(line.time - input[k]) < 0.002, `ndjson frame ${k}: ${line.time} s, input ${input[k]} s`));
  });

  it('an MP4 cut without re-encoding (an edit list) runs from the feature cache saved from it, with it', async () => {
    // A review: nb_frames counts the samples before the cut, and the probe took it as exact.
    const source = makeVideo(path.join(work, 'uncut.mp4'), { width: 160, height: 128, fps: 10, seconds: 4 });
    const cut = path.join(work, 'cut.mp4');
    execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-ss', '1.25', '-i', source, '-c', 'copy', '-y', cut]);
    const features = path.join(work, 'cut.safetensors');
    const first = await runCli([cut, '-o', path.join(work, 'cut-out'), '--format', 'coco', '--save-features', features, ...model], { env });
    assert.equal(first.code, 0, first.stderr);
    const again = await runCli([cut, '--features', features, '-o', path.join(work, 'cut-again'), '--format', 'coco', '--progress', 'none'], { env });
    assert.equal(again.code, 0, again.stderr);
  });

  it('writes masks into a folder named like a video file, spelled as a folder or already there', async () => {
    // A first-time user's trial: an existing folder clips.mp4/ was refused as "a video file".
    const input = makeVideo(path.join(work, 'for-folder.mp4'), { width: 128, height: 96, fps: 10, seconds: 0.5 });
    const spelled = path.join(work, 'spelled.mp4');
    const first = await runCli([input, '-o', `${spelled}/`, '--format', 'davis', ...model], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(readdirSync(path.join(spelled, 'masks')).length, 5);
    const existing = path.join(work, 'existing.mov');
    mkdirSync(existing);
    const second = await runCli([input, '-o', existing, '--format', 'davis,coco', ...model], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(readdirSync(existing).filter((n) => !n.startsWith('.')).sort(), ['coco.json', 'masks']);
    // The overlay alone into that folder: the closing line names a folder, not a video file "existing.mov".
    const overlay = await runCli([input, '-o', existing, '--format', 'overlay', '--overwrite', ...model], { env });
    assert.equal(overlay.code, 0, overlay.stderr);
    assert.deepEqual(readdirSync(existing).filter((n) => !n.startsWith('.')), ['overlay.mp4']);
    assert.match(overlay.stderr, /wrote .*existing\.mov \(overlay\): 5 frames/);
    // A video file's name that is no folder still means the overlay.
    const video = await runCli([input, '-o', path.join(work, 'plain.mp4'), '--format', 'davis', ...model], { env });
    assert.equal(video.code, 2);
    assert.match(video.stderr, /is a video file, which holds only the overlay/);
    // Without --format a folder gets the masks, as any folder does (a review: refused as a name ending in .mp4).
    const bare = await runCli([input, '-o', `${path.join(work, 'bare.mp4')}/`, ...model], { env });
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(readdirSync(path.join(work, 'bare.mp4', 'masks')).length, 5);
    // A folder's spelling over a file: one line, not a raw ENOTDIR.
    writeFileSync(path.join(work, 'a-file.mp4'), 'mine');
    const onFile = await runCli([input, '-o', `${path.join(work, 'a-file.mp4')}/`, '--format', 'davis', ...model], { env });
    assert.equal(onFile.code, 2);
    assert.match(onFile.stderr, /^dino-track: error: -o .*a-file\.mp4\/ names a folder, but .*a-file\.mp4 is a file; give another name\n$/);
    assert.equal(readFileSync(path.join(work, 'a-file.mp4'), 'utf8'), 'mine');
  });

  it('an MP4 cut one frame in (an edit list its duration cannot tell from rounding) ends its JSON progress on the frames written', async () => {
    // nb_frames 40, 39 decode: within the count's tolerance of duration × rate, so taken as exact,
    // and the last progress line said 39 of 40 frames (a pipeline waiting for frame = total waits).
    const source = makeVideo(path.join(work, 'uncut-1.mp4'), { width: 160, height: 128, fps: 10, seconds: 4 });
    const cut = path.join(work, 'cut-1.mp4');
    execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-ss', '0.1', '-i', source, '-c', 'copy', '-y', cut]);
    const out = path.join(work, 'cut-1-out');
    // model's own --progress none left out: an option given twice is refused.
    const { code, stderr } = await runCli([cut, '-o', out, '--format', 'davis', ...model.slice(0, -2), '--progress', 'json'], { env });
    assert.equal(code, 0, stderr);
    const written = readdirSync(path.join(out, 'masks')).length;
    assert.equal(written, 39, 'the cut skips the first of 40 frames');
    const last = stderr.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).at(-1);
    assert.deepEqual([last.frame, last.total], [written, written]);
  });

  it('reads exact frame times where the frame rate changes (30 fps then 60 fps, concatenated), in ndjson and coco', async () => {
    // ffmpeg's guessed encoder rate (1/30 s) once rounded the 60 fps second: 90 frames, 61 distinct times.
    const parts = [30, 60].map((fps) => makeVideo(path.join(work, `part-${fps}.mp4`), { width: 128, height: 96, fps, seconds: 1 }));
    const list = path.join(work, 'parts.txt');
    writeFileSync(list, parts.map((p) => `file '${p}'\n`).join(''));
    const joined = path.join(work, 'joined.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', joined]);
    const out = path.join(work, 'joined-out');
    const cache = path.join(work, 'joined.safetensors');
    const result = await runCli([joined, '-o', out, '--format', 'ndjson,coco', '--save-features', cache, ...model], { env });
    assert.equal(result.code, 0, result.stderr);
    // From the feature cache alone, the same times (they once became index / fps).
    const fromCache = await runCli(['track', '--features', cache, '-o', path.join(out, 'from-cache'), '--format', 'ndjson', '--progress', 'none'], { env });
    assert.equal(fromCache.code, 0, fromCache.stderr);
    const expected = execFileSync(ffprobe, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', joined], { encoding: 'utf8' })
      .split('\n').filter((l) => l.trim()).map((l) => Number(l.replace(/,.*$/, ''))); // frames with side data print "t," and a blank line
    assert.equal(expected.length, 90);
    const ndjson = readFileSync(path.join(out, 'tracks.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).time);
    const coco = JSON.parse(readFileSync(path.join(out, 'coco.json'), 'utf8')).images.map((i) => i.time);
    const cached = readFileSync(path.join(out, 'from-cache', 'tracks.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).time);
    for (const [name, times] of [['ndjson', ndjson], ['coco', coco], ['ndjson from the cache', cached]]) {
      assert.equal(new Set(times).size, 90, `${name}: ${new Set(times).size} distinct times`);
      times.forEach((t, k) => assert.ok(Math.abs(t - expected[k]) < 1e-5, `${name} frame ${k}: ${t} s, input ${expected[k]} s`));
    }
  });

  it('counts time from the container\'s start, as players do: a video starting 0.5 s after its audio, a file starting at 10 s', async () => {
    const plain = makeVideo(path.join(work, 'plain.mp4'), { width: 128, height: 96, fps: 10, seconds: 1 });
    const cases = [
      ['late.mp4', ['-itsoffset', '0.5', '-i', plain, '-f', 'lavfi', '-i', 'sine=sample_rate=16000:duration=1.5', '-map', '0:v', '-map', '1:a', '-c:a', 'aac']],
      ['offset.mp4', ['-i', plain, '-output_ts_offset', '10']],
    ];
    for (const [name, args] of cases) {
      const file = path.join(work, name);
      execFileSync(ffmpeg, ['-v', 'error', '-y', ...args, '-c:v', 'copy', file]);
      const probe = JSON.parse(execFileSync(ffprobe, ['-v', 'error', '-select_streams', 'v', '-show_entries', 'stream=start_time:format=start_time', '-of', 'json', file], { encoding: 'utf8' }));
      const expected = Number(probe.streams[0].start_time) - Number(probe.format.start_time);
      const out = path.join(work, `${name}-out`);
      const result = await runCli([file, '-o', out, '--format', 'ndjson', ...model], { env });
      assert.equal(result.code, 0, result.stderr);
      const [first] = readFileSync(path.join(out, 'tracks.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).time);
      assert.ok(Math.abs(first - expected) < 1e-5, `${name}: frame 0 at ${first} s, expected ${expected} s`);
    }
  });

  it('times a raw H.264 stream (no timestamps) index / fps at its own rate, in ndjson and the overlay', async () => {
    // The npm-shipped ffmpeg 4.1 made up times 25 fps apart (0.009619, 0.049619 …; elsewhere below 0), and its
    // ffprobe reads this 30 fps stream's rate as 60/1; the system ffmpeg 5.1's times drifted (0.066666, 0.099999).
    const raw = path.join(work, 'raw.h264');
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=128x96:rate=30', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', raw]);
    const out = path.join(work, 'raw-out');
    const result = await runCli([raw, '-o', out, '--format', 'ndjson,overlay', ...model], { env });
    assert.equal(result.code, 0, result.stderr);
    const times = readFileSync(path.join(out, 'tracks.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).time);
    assert.deepEqual(times, Array.from({ length: 30 }, (_, k) => Number((k / 30).toFixed(6))));
    const [stream] = JSON.parse(execFileSync(ffprobe, ['-v', 'error', '-count_frames', '-show_entries', 'stream=r_frame_rate,nb_read_frames', '-of', 'json', path.join(out, 'overlay.mp4')], { encoding: 'utf8' })).streams;
    assert.deepEqual([stream.r_frame_rate, stream.nb_read_frames], ['30/1', '30']);
  });

  it('decodes the stream the probe chose, not the file\'s first video stream', async () => {
    // Stream 0: a 300x300 still (cover art to the probe below); stream 1: the real video.
    const cover = path.join(work, 'cover.mp4');
    execFileSync(ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=red:size=300x300:rate=10', '-i', video, '-map', '0:v', '-map', '1:v', '-t', '1', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', cover]);
    // An ffprobe that marks stream 0 as attached picture, as it does for real cover art.
    const probe = path.join(work, 'ffprobe-cover.mjs');
    writeFileSync(probe, `#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
const out = JSON.parse(execFileSync(${JSON.stringify(ffprobe)}, process.argv.slice(2), { encoding: 'utf8' }));
for (const s of out.streams ?? []) if (s.index === 0) s.disposition = { ...s.disposition, attached_pic: 1 };
process.stdout.write(JSON.stringify(out));
`);
    chmodSync(probe, 0o755);
    const out = path.join(work, 'cover-out.mp4');
    const result = await runCli([cover, '-o', out, ...model], { env: { ...env, FFPROBE_PATH: probe } });
    assert.equal(result.code, 0, result.stderr);
    const frames = execFileSync(ffmpeg, ['-v', 'error', '-i', out, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'], { maxBuffer: 1 << 26 });
    assert.equal(frames.length, 10 * 128 * 96 * 3);
    // The real video is a test pattern, not a red field: few pixels are pure red.
    let red = 0;
    for (let i = 0; i < frames.length; i += 3) if (frames[i] > 200 && frames[i + 1] < 60 && frames[i + 2] < 60) red++;
    assert.ok(red < frames.length / 3 / 4, `${red} red pixels: the cover was decoded`);
  });
});

describe('disk full on streamed outputs', () => {
  const mount = path.join(makeTempDir(), 'small');
  let mounted = false;
  try {
    mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mount], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // Not root (or no mount in this container): the case cannot be staged here.
  }
  after(() => mounted && execFileSync('umount', [mount]));
  const skip = mounted ? false : 'needs a small tmpfs (run as root)';
  const long = makeVideo(path.join(work, 'long-full.mp4'), { width: 128, height: 96, fps: 25, seconds: 8 });
  const cases = [
    ['ndjson', ['-o', path.join(mount, 'nd'), '--format', 'ndjson'], /dino-track: error: no space left on the device; free some space or choose another -o \(ENOSPC/],
    // The cache, not -o, is on the full disk: the line names it and its own fix (a first-time user's trial).
    ['--save-features', ['-o', path.join(work, 'saved'), '--format', 'mot', '--save-features', path.join(mount, 'f.safetensors')], /^dino-track: error: cannot write --save-features .*small\/f\.safetensors: no space left on the device \(ENOSPC\); free some space, or give --save-features a path on another disk$/m],
  ];
  for (const [name, args, line] of cases) {
    it(`${name}: one line saying the disk is full, no stack, nothing left`, { skip }, async () => {
      const result = await runCli([long, ...args, ...model], { env });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, line);
      assert.doesNotMatch(result.stderr, /Unhandled|^\s+at /m);
      assert.deepEqual(readdirSync(mount), []);
    });
  }
});
