import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { decode } from 'fast-png';
import { encodeDavisPng } from '../../dist/export/index.js';
import { getFfmpegBinaries } from '../../dist/video/index.js';
import { makeTempDir, models, runCli } from '../fixtures.js';
import { writeRenderedScene } from '../bench/rendered-scenes.js';

const dir = makeTempDir();
const env = { DINO_TRACK_CACHE: makeTempDir('dino-track-cache-') };
/** The model under test; DESIGNED_MODEL=other.onnx shows what another one (e.g. the random-weight tiny model) scores. */
const model = process.env.DESIGNED_MODEL || models.designed;
let scene;

before(async () => {
  // 12 frames of a rendered scene (3 textured objects, two touching, over a panning textured background): enough for births (3 frames at 25 fps).
  scene = await writeRenderedScene('test-contact', dir, [], 12);
});

describe('designed ViT through the CLI on a rendered clip (real ffmpeg, preparation, onnxruntime, refinement, eval)', () => {
  it('finds every object and its masks land on it (refined J per object >= 0.8, no id switches)', async () => {
    const out = path.join(dir, 'out');
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '480', '-o', out, '--format', 'davis', '--refine', 'guided', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const scored = await runCli(['eval', '--pred', out, '--gt', scene.truth, '--json']);
    assert.equal(scored.code, 0, scored.stderr);
    const score = JSON.parse(scored.stdout);
    assert.equal(score.perObject.length, 3);
    for (const object of score.perObject) {
      assert.ok(object.predictedId !== null, `object ${object.truthId} was never tracked`);
      // A random-weight model's attention is not on the objects: its best-matching masks score far lower.
      assert.ok(object.j >= 0.8, `object ${object.truthId}: J ${object.j.toFixed(3)} < 0.8`);
    }
    assert.equal(score.idSwitches, 0);
  });

  it('scores the frames a new object is painted back into 0.5, as at its birth, with refinement too', async () => {
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '480', '-o', '-', '--format', 'ndjson', '--refine', 'guided', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const frames = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    // Every object is in view from frame 0 and born at frame 2 (3 frames at 25 fps): frames 0-1 are painted back.
    for (const frame of frames.slice(0, 3)) {
      const visible = frame.objects.filter((o) => !o.occluded);
      assert.equal(visible.length, 3, `frame ${frame.frame}`);
      for (const object of visible) assert.equal(object.score, 0.5, `frame ${frame.frame}, id ${object.id}`);
    }
  });
});

/**
 * A 320x240 10-fps 3-s clip of flat coloured rectangles over grey, as a first-time user made
 * them: `layers` are [colour, width, height, x expression, y expression, enable expression?],
 * painted in order.
 */
function makeClip(name, layers) {
  const video = path.join(dir, `${name}.mp4`);
  const inputs = layers.flatMap(([colour, w, h]) => ['-f', 'lavfi', '-i', `color=c=${colour}:s=${w}x${h}:r=10:d=3`]);
  const chain = layers.map(([, , , x, y, enable], k) => `[${k === 0 ? '0' : `l${k}`}][${k + 1}]overlay=x='${x}':y='${y}'${enable ? `:enable='${enable}'` : ''}${k === layers.length - 1 ? ',format=yuv420p' : `[l${k + 1}]`}`).join(';');
  execFileSync(getFfmpegBinaries().ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=0x808080:s=320x240:r=10:d=3', ...inputs, '-filter_complex', chain, '-c:v', 'libx264', video]);
  return video;
}

async function trackClip(video, extra = []) {
  const run = await runCli(['track', video, '--model', model, '-o', '-', '--format', 'ndjson', '--progress', 'none', ...extra], { env });
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.trim().split('\n').map((line) => JSON.parse(line));
}

/**
 * bench:pixels' probe-arms scene, `frames` long, tracked at the patch grid: the ids written, and
 * the share of the disc's pixels (arms included) that carry the id at its centre.
 */
async function trackArms(frames, extra = []) {
  const arms = await writeRenderedScene('probe-arms', path.join(dir, `arms-${frames}${extra.join('')}`), [], frames);
  const out = path.join(dir, `arms-${frames}${extra.join('')}-out`);
  const run = await runCli(['track', arms.video, '--model', model, '-o', out, '--format', 'davis', '--refine', 'none', '--progress', 'none', ...extra], { env });
  assert.equal(run.code, 0, run.stderr);
  const ids = new Set();
  let [discPixels, discFound] = [0, 0];
  for (const file of readdirSync(path.join(out, 'masks'))) {
    const predicted = decode(readFileSync(path.join(out, 'masks', file))).data;
    const truth = decode(readFileSync(path.join(arms.truth, file))).data;
    const discId = predicted[240 * 848 + 250]; // the disc's centre stays within 30 px of (250, 240)
    assert.ok(discId > 0, `${file}: the disc's centre has an id`);
    for (let i = 0; i < predicted.length; i++) {
      if (predicted[i]) ids.add(predicted[i]);
      if (truth[i] === 1) [discPixels, discFound] = [discPixels + 1, discFound + (predicted[i] === discId ? 1 : 0)];
    }
  }
  return { ids, discShare: discFound / discPixels };
}

/**
 * Tracks a 320x240 clip with one prompt at `frame` painting `squares` ([x, y, size] there)
 * with id 1; returns, per frame, the share of a square ([x, y, size]) that is id 1.
 */
async function trackMergedSquares(name, video, squares, frame = 10) {
  const prompts = path.join(dir, `${name}-prompts`);
  mkdirSync(prompts, { recursive: true });
  const labels = new Uint16Array(320 * 240);
  for (const [x0, y0, size] of squares) for (let y = y0; y < y0 + size; y++) labels.fill(1, y * 320 + x0, y * 320 + x0 + size);
  writeFileSync(path.join(prompts, `${String(frame).padStart(5, '0')}.png`), encodeDavisPng(labels, 320, 240));
  const out = path.join(dir, `${name}-out`);
  const run = await runCli(['track', video, '--model', model, '--prompts', prompts, '-o', out, '--format', 'davis', '--progress', 'none'], { env });
  assert.equal(run.code, 0, run.stderr);
  return (t) => {
    const png = decode(readFileSync(path.join(out, 'masks', `${String(t).padStart(5, '0')}.png`))).data;
    return (x0, y0, size) => {
      let ones = 0;
      for (let y = y0; y < y0 + size; y++) for (let x = x0; x < x0 + size; x++) ones += png[y * 320 + x] === 1 ? 1 : 0;
      return ones / (size * size);
    };
  };
}

/** The visible objects of a frame whose box holds the point (x, y). */
const objectsAt = (frame, x, y) => frame.objects.filter((o) => !o.occluded && o.bbox[0] <= x && x < o.bbox[0] + o.bbox[2] && o.bbox[1] <= y && y < o.bbox[1] + o.bbox[3]);

describe('designed ViT through the CLI: pieces of one object, and new objects (first-time users\' clips)', () => {
  it('gives a new object its own id when it looks like a track it does not touch (propagation does not take it)', async () => {
    // Blue leaves at the right edge while cyan crosses it, yellow hides for a second, and green
    // appears at (240, 170) from 1.2 s, 24 px below cyan's path. The designed ViT sees mostly
    // "coloured, not grey", so label propagation gave cyan's label to green's patches and cyan's
    // track kept them frame after frame: one mask of two squares, green never born. Green looks
    // somewhat like yellow, hidden then (it might have been yellow coming back), but does not
    // grow, so it is not held back for that: it is born at frame 13, its second frame.
    const video = makeClip('late-look-alike', [['red', 40, 40, '20+80*t', '20'], ['blue', 40, 40, '180+60*t', '110'], ['cyan', 36, 36, '260-70*t', '112'],
      ['yellow', 30, 30, '40', '170', 'lt(t,0.8)+gt(t,1.8)'], ['green', 40, 40, '240', '170', 'gte(t,1.2)']]);
    const frames = await trackClip(video);
    for (const frame of frames.filter((f) => f.frame >= 13)) {
      const green = objectsAt(frame, 260, 190);
      assert.equal(green.length, 1, `frame ${frame.frame}: green's centre in ${green.length} masks`);
      assert.ok(green[0].bbox[2] <= 48 && green[0].bbox[3] <= 48, `frame ${frame.frame}: green's mask ${green[0].bbox} holds more than green`);
    }
  });

  it('gives two squares that touch from the start, then part, two ids once they are apart', async () => {
    // Red and yellow (alike to the designed ViT: "coloured, not grey") side by side are one
    // region, so one object; at 1 s yellow moves off at 60 px/s. Its region was then kept in
    // the track's mask by propagation: one id for both to the end. Now yellow is born at
    // frame 25, 90 px away (once the gap is wider than the object), painted back only where no
    // other object was.
    const video = makeClip('parting', [['red', 40, 40, '100', '100'], ['yellow', 40, 40, 'if(lt(t,1),140,140+60*(t-1))', '100']]);
    const frames = await trackClip(video);
    for (const frame of frames.filter((f) => f.frame >= 26)) {
      const [red, yellow] = [objectsAt(frame, 120, 120), objectsAt(frame, 140 + 6 * (frame.frame - 10) + 20, 120)];
      assert.equal(red.length, 1, `frame ${frame.frame}: red has a mask`);
      assert.equal(yellow.length, 1, `frame ${frame.frame}: yellow has a mask`);
      assert.notEqual(yellow[0].id, red[0].id, `frame ${frame.frame}: yellow is not in red's mask`);
    }
  });

  it('keeps one id for a pillar that a box passing behind it cuts in two, and after', async () => {
    // A yellow 10-px pillar; a blue box enters from the left at 140 px/s behind it. The box's
    // region took the pillar's middle, and the pillar's lower part was born as a second id that
    // stayed after the box had gone.
    const video = makeClip('pillar-cut', [['blue', 70, 40, '-70+140*t', '100'], ['yellow', 10, 240, '40', '0']]);
    const frames = await trackClip(video);
    const pillarIds = new Set(frames.flatMap((frame) => [...objectsAt(frame, 45, 20), ...objectsAt(frame, 45, 220)].map((o) => o.id)));
    assert.deepEqual([...pillarIds], [frames[2].objects.find((o) => o.bbox[0] === 40)?.id], 'the pillar has one id, top and bottom, all along');
    const last = frames.at(-1);
    assert.equal(objectsAt(last, 45, 20)[0]?.id, objectsAt(last, 45, 220)[0]?.id, 'its top and bottom are one object at the end');
  });

  it('gives a box that starts split by a coloured pillar one id, on both sides, from the first frame', async () => {
    // A first-time user's clip: a 120x40 blue box behind a 20-px yellow pillar at the start,
    // moving right at 40 px/s. Its two sides were born as two ids, the left one kept for a
    // second until it shrank away.
    const video = makeClip('born-split', [['blue', 120, 40, '50+40*t', '100'], ['yellow', 20, 240, '100', '0']]);
    const frames = await trackClip(video);
    const pillar = objectsAt(frames[0], 110, 20)[0]?.id;
    for (const frame of frames.filter((f) => f.frame <= 10)) {
      const x = 50 + 4 * frame.frame;
      const [left, right] = [objectsAt(frame, x + 10, 120).filter((o) => o.id !== pillar), objectsAt(frame, 160, 120).filter((o) => o.id !== pillar)];
      assert.equal(left.length, 1, `frame ${frame.frame}: the box's left side has a mask`);
      assert.equal(right.length, 1, `frame ${frame.frame}: its right side has a mask`);
      assert.equal(left[0].id, right[0].id, `frame ${frame.frame}: both sides are one id`);
    }
    const ids = new Set(frames.flatMap((f) => f.objects.map((o) => o.id)));
    assert.equal(ids.size, 2, `two objects in all: ${[...ids]}`);
  });

  it('gives a disc with arms thinner than a patch at a slant one id, arms included', async () => {
    // A first-time user's shape (bench:pixels' probe-arms): arms 6 and 10 px wide cover the
    // patches along them corner to corner, so the grid cuts each into pieces that meet only at
    // corners; the pieces were born as tracks of their own (6 tracks for the 2 objects).
    const { ids, discShare } = await trackArms(12);
    assert.equal(ids.size, 2, `ids ${[...ids]} for a disc with arms and an ellipse`);
    // At the patch grid, without refinement: the arms are about a sixth of the disc's pixels.
    assert.ok(discShare >= 0.95, `the disc's track holds ${(100 * discShare).toFixed(1)}% of its pixels, arms included`);
  });

  it('gives the disc with arms one id in a clip shorter than the birth window too', async () => {
    // Two frames (the window is three at 25 fps): objects are born at the end, and the arms'
    // pieces were born there as objects of their own.
    const { ids } = await trackArms(2);
    assert.equal(ids.size, 2, `ids ${[...ids]} for a disc with arms and an ellipse`);
  });

  it('keeps the arms of a disc born as the last object --max-objects allows', async () => {
    // A review's case: the limit was checked before a piece was joined to a track born in the
    // same frame, so with both objects born, the disc's arms were dropped on the frames painted
    // back at its birth (0.861 of its pixels in 3 frames, 0.977 without the limit).
    const { ids, discShare } = await trackArms(3, ['--max-objects', '2']);
    assert.equal(ids.size, 2, `ids ${[...ids]} with --max-objects 2`);
    assert.ok(discShare >= 0.95, `the disc's track holds ${(100 * discShare).toFixed(1)}% of its pixels, arms included`);
  });

  it('gives two same-colour squares diagonal to each other, 8 px apart, two ids (a corner joins only a thin piece)', async () => {
    // A review's case: their patch regions meet only at a corner, as an arm's pieces do; the
    // corner rule made them one track, and when one moved off, the still one changed id.
    const video = makeClip('diagonal-look-alikes', [['red', 48, 48, '32', '32'], ['red', 48, 48, '88', '88']]);
    const frames = await trackClip(video);
    for (const frame of frames) {
      const [first, second] = [objectsAt(frame, 56, 56), objectsAt(frame, 112, 112)];
      assert.ok(first.length === 1 && second.length === 1 && first[0].id !== second[0].id, `frame ${frame.frame}: ids ${first.map((o) => o.id)} and ${second.map((o) => o.id)}`);
    }
  });

  it('gives a square appearing beyond a tall bar its own id, beside a disc whose arms joined it at birth', async () => {
    // A review's case (bench:pixels' probe-beyond-bar, at 240 lines): the arms joining the
    // newborn disc marked it born split (two sides of one object across something), for good,
    // so a red square appearing beyond the blue bar at frame 38 was taken for its far side.
    const scene = await writeRenderedScene('probe-beyond-bar', path.join(dir, 'beyond'), [], 60);
    const out = path.join(dir, 'beyond-out');
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '240', '-o', out, '--format', 'davis', '--refine', 'none', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    for (const file of ['00045.png', '00059.png']) {
      const predicted = decode(readFileSync(path.join(out, 'masks', file))).data;
      const [disc, square] = [predicted[240 * 848 + 200], predicted[240 * 848 + 420]];
      assert.ok(square !== 0 && square !== disc, `${file}: the square's centre has id ${square}, the disc's ${disc}`);
    }
  });

  it('keeps one id for a parked car that a walker passes in front of, all of it once uncovered', async () => {
    // A first-time user's clip (bench:pixels' probe-passer, at 240 lines as their 424x240 one):
    // the walker hid the car a little more each frame, so the car's usual size shrank and no
    // view looked partial; the part the walker uncovered behind it was born as a second car.
    const scene = await writeRenderedScene('probe-passer', path.join(dir, 'passer'), [], 80);
    const out = path.join(dir, 'passer-out');
    const run = await runCli(['track', scene.video, '--model', model, '--short-side', '240', '-o', out, '--format', 'davis', '--refine', 'none', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const carIds = new Set();
    const ids = new Set();
    for (const file of readdirSync(path.join(out, 'masks'))) {
      const predicted = decode(readFileSync(path.join(out, 'masks', file))).data;
      const truth = decode(readFileSync(path.join(scene.truth, file))).data;
      for (let i = 0; i < predicted.length; i++) {
        if (predicted[i]) ids.add(predicted[i]);
        if (truth[i] === 1 && predicted[i]) carIds.add(predicted[i]);
      }
    }
    assert.equal(ids.size, 2, `ids ${[...ids]} for a car and a walker`);
    // The walker's mask may reach onto the car where it is in front of it; no third id does.
    assert.ok(carIds.size <= 2, `the car's pixels carry ids ${[...carIds]}`);
    const last = decode(readFileSync(path.join(out, 'masks', '00079.png'))).data;
    const lastTruth = decode(readFileSync(path.join(scene.truth, '00079.png'))).data;
    let [car, carFound] = [0, 0];
    const carId = last[340 * 848 + 424];
    assert.ok(carId > 0, 'last frame: the car\'s centre has an id');
    for (let i = 0; i < last.length; i++) if (lastTruth[i] === 1) [car, carFound] = [car + 1, carFound + (last[i] === carId ? 1 : 0)];
    assert.ok(carFound >= 0.9 * car, `last frame: the car's id holds ${((100 * carFound) / car).toFixed(1)}% of it`);
  });

  for (const extra of [[], ['--occlusion-frames', '200']]) {
    it(`gives a look-alike stepping out where a half-hidden object had stood its own id${extra.length ? ` (${extra.join(' ')})` : ''}`, async () => {
      // A review's case (bench:pixels' probe-old-place): a person in red, a van pulled up in front
      // of their lower half, walks on behind it; a second person in red steps out at frame 50 where
      // the first had stood, which was still the first's largest view (its footprint) and had the
      // van over it: it took the first's id for 13 frames (all 50, with --occlusion-frames 200).
      const scene = await writeRenderedScene('probe-old-place', path.join(dir, `old-place${extra.length}`), [], 64);
      const out = path.join(dir, `old-place${extra.length}-out`);
      const run = await runCli(['track', scene.video, '--model', model, '--short-side', '240', '-o', out, '--format', 'davis', '--refine', 'none', '--progress', 'none', ...extra], { env });
      assert.equal(run.code, 0, run.stderr);
      for (let t = 50; t < 64; t++) {
        const file = `${String(t).padStart(5, '0')}.png`;
        const predicted = decode(readFileSync(path.join(out, 'masks', file))).data;
        const truth = decode(readFileSync(path.join(scene.truth, file))).data;
        const firstId = predicted[170 * 848 + 640]; // the first person's upper half, above the van
        assert.ok(firstId > 0, `frame ${t}: the first person has an id`);
        let [second, taken] = [0, 0];
        for (let i = 0; i < truth.length; i++) if (truth[i] === 3) [second, taken] = [second + 1, taken + (predicted[i] === firstId ? 1 : 0)];
        assert.ok(taken <= 0.1 * second, `frame ${t}: ${taken} of the second person's ${second} px carry the first one's id`);
      }
    });
  }

  it('gives an object that appears while another is hidden an id, without waiting out the hidden one\'s 2 s', async () => {
    // A red square leaves the picture (vanishes) at 1.5 s as a yellow one appears far from it.
    // A new region that looks somewhat like a hidden track is held back in case it is that one
    // coming out from behind something; it was held until the red track's 2 s ran out, past the clip's end.
    const video = makeClip('swap', [['red', 30, 30, '20+60*t', '100', 'lt(t,1.5)'], ['yellow', 30, 30, '250', '30', 'gte(t,1.5)'], ['blue', 40, 40, '150', '180']]);
    const frames = await trackClip(video);
    const redId = objectsAt(frames[10], 95, 115)[0]?.id;
    assert.ok(redId !== undefined, 'red is tracked');
    for (const frame of frames.filter((f) => f.frame >= 27)) {
      const yellow = objectsAt(frame, 265, 45);
      assert.equal(yellow.length, 1, `frame ${frame.frame}: yellow has a mask`);
      assert.notEqual(yellow[0].id, redId, `frame ${frame.frame}: yellow is not red`);
    }
  });
});

describe('designed ViT through the CLI: prompts on several frames (an annotator\'s round trip)', () => {
  it('gives an object that a later prompt marks first its own id from when it appears, not a look-alike\'s', async () => {
    // Trial 10: a frame of our own output copied in unchanged (red, blue, yellow) and a fixed
    // later one marking green too; green appears 200 px from yellow at 1.5 s. Going forwards
    // from the first prompt nothing knew green, so label propagation gave it yellow's id (the
    // two look alike to this ViT) until the second prompt's labels outweighed it.
    const video = makeClip('later-id', [['red', 36, 36, '20+60*t', '40'], ['0x505050', 100, 240, '140', '0'], ['blue', 40, 40, '260-40*t', '180'], ['yellow', 32, 32, '260', '30'], ['green', 40, 40, '60', '150', 'gte(t,1.5)']]);
    const prompts = path.join(dir, 'later-id-prompts');
    mkdirSync(prompts, { recursive: true });
    const paint = (rects) => {
      const labels = new Uint16Array(320 * 240);
      for (const [id, x0, y0, w, h] of rects) for (let y = y0; y < y0 + h; y++) labels.fill(id, y * 320 + x0, y * 320 + x0 + w);
      return encodeDavisPng(labels, 320, 240);
    };
    // Frame 12 (t 1.2): red at x 92, blue at 212 (in front of the wall), yellow; no green yet.
    writeFileSync(path.join(prompts, '00012.png'), paint([[1, 92, 40, 36, 36], [2, 212, 180, 40, 40], [3, 260, 30, 32, 32]]));
    // Frame 29 (t 2.9): red behind the wall, blue at 144, yellow, green.
    writeFileSync(path.join(prompts, '00029.png'), paint([[2, 144, 180, 40, 40], [3, 260, 30, 32, 32], [4, 60, 150, 40, 40]]));
    const run = await runCli(['track', video, '--model', model, '--prompts', prompts, '-o', '-', '--format', 'ndjson', '--progress', 'none'], { env });
    assert.equal(run.code, 0, run.stderr);
    const frames = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    for (const frame of frames.filter((f) => f.frame >= 16 && f.frame < 29)) {
      assert.deepEqual(objectsAt(frame, 80, 170).map((o) => o.id), [4], `frame ${frame.frame}: green is id 4`);
      const yellow = frame.objects.find((o) => o.id === 3);
      assert.ok(yellow && yellow.bbox[1] + yellow.bbox[3] <= 100, `frame ${frame.frame}: yellow's mask ${yellow?.bbox} does not reach down to green`);
    }
  });
  it('keeps both squares a prompt paints with one id, apart, on every frame before and after it (drift correction does not drop one)', async () => {
    // A first-time user's trial: red and green squares, both in view throughout, merged into id 1
    // by a prompt; green (not the region drift correction picked for id 1) faded to the background.
    const video = makeClip('two-parts', [['red', 60, 60, '20+40*t', '50'], ['green', 50, 50, '230', '20+20*t']]);
    // Frame 10 (t 1): red at x 60, green at y 40.
    const read = await trackMergedSquares('two-parts', video, [[60, 50, 60], [230, 40, 50]]);
    for (let t = 0; t < 30; t++) {
      const share = read(t);
      const [red, green] = [share(Math.round(20 + 4 * t), 50, 60), share(230, Math.round(20 + 2 * t), 50)];
      assert.ok(red >= 0.95 && green >= 0.95, `frame ${t}: both are id 1 (red ${red.toFixed(2)}, green ${green.toFixed(2)})`);
    }
  });
  it('keeps both halves of a red-and-blue object prompted on its first frame, on every frame (an annotator\'s trial)', async () => {
    // The attention draws the two halves as one region on frame 0 and as two on some later frames.
    const video = makeClip('red-blue', [['red', 40, 40, '20+40*t', '60'], ['blue', 40, 40, '60+40*t', '60']]);
    const read = await trackMergedSquares('red-blue', video, [[20, 60, 40], [60, 60, 40]], 0);
    for (let t = 0; t < 30; t++) {
      const share = read(t);
      const [red, blue] = [share(Math.round(20 + 4 * t), 60, 40), share(Math.round(60 + 4 * t), 60, 40)];
      assert.ok(red >= 0.95 && blue >= 0.95, `frame ${t}: both halves are id 1 (red ${red.toFixed(2)}, blue ${blue.toFixed(2)})`);
    }
  });
  it('keeps both of two touching squares a prompt paints with one id, on every frame (a merge of two things into one object)', async () => {
    // Green rides on red's right side; the prompt at frame 10 paints both with id 1 (one piece on the grid).
    const video = makeClip('two-touching', [['red', 60, 60, '40+40*t', '60'], ['green', 50, 50, '100+40*t', '70']]);
    const read = await trackMergedSquares('two-touching', video, [[80, 60, 60], [140, 70, 50]]);
    for (let t = 0; t < 30; t++) {
      const share = read(t);
      const [red, green] = [share(Math.round(40 + 4 * t), 60, 60), share(Math.round(100 + 4 * t), 70, 50)];
      assert.ok(red >= 0.95 && green >= 0.95, `frame ${t}: both are id 1 (red ${red.toFixed(2)}, green ${green.toFixed(2)})`);
    }
  });
});
