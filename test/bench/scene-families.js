// Randomised synthetic scenes for the tracking benchmark: families of scenes whose
// parameters (frame size, number, size, shape, speed and scale change of objects, camera
// pan, occluders, distractors, look-alikes, exits and re-entries, drift, noise) are drawn
// from a seed. Two disjoint seed sets: the tracker's constants are chosen on `tuningSeeds`
// only; `testSeeds` measure how they hold on scenes they were not chosen on.
// Each frame gives pixel ground truth and DINO-like model outputs at the 16-px patch grid
// (per-head softmax CLS attention, LayerNorm-scale patch tokens), as synthetic-scenes.js.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeDavisPng } from '../../dist/export/index.js';
import { createFeatureCacheWriter } from '../../dist/features/index.js';
import { gaussian, mulberry32, unitVector } from './random.js';

export const patchSize = 16;
export const fps = 25;
export const tuningSeeds = Array.from({ length: 20 }, (_, k) => 101 + k);
export const testSeeds = Array.from({ length: 20 }, (_, k) => 201 + k);
/** Seeds ending `endings` for hundreds `from`..`to`: a family's scenes outside both sets. */
const seedsEnding = (endings, from, to) => Array.from({ length: to - from + 1 }, (_, k) => endings.map((e) => (from + k) * 100 + e)).flat();
/**
 * Scenes in neither set, by family, for developing a rule without looking at the test set
 * (`node test/bench/tune-track.js entering-pillar`): the tuning set holds four scenes of a
 * family, too few to see a failure that one scene in five has.
 */
export const probeSets = {
  'entering-pillar': seedsEnding([16, 20], 3, 29),
  'crossing-pillar': seedsEnding([14, 18], 3, 12),
  newcomer: seedsEnding([13, 15, 17, 19], 3, 12),
  // Hundreds 40–49: apart from the 3001–3020 sample the README reports, where two of these missed.
  'single-head': seedsEnding([9, 11], 40, 49),
  // Hundreds 50–59: both pillar forms, for the spare tracks test 214/220 and sample 6018/6020 made.
  pillar: seedsEnding([14, 16, 18, 20], 50, 59),
};
export const families = ['occluder', 'crossing', 'reentry', 'distractor', 'pan-growth', 'crowd'];
/**
 * Families added for the held-out scenes' last failures (bench:heldout wall-1, pan-3): a small
 * object attended strongly by one head only, beside a blob wandering in one head; look-alikes
 * of different sizes and speeds crossing slowly during a camera pan.
 */
export const addedFamilies = ['single-head', 'pan-crossing'];
/**
 * Families added for what a first-time user and a review found (README, Tracking's known
 * limit): a look-alike of a tracked object appearing apart from it (it must get an id of its
 * own, not be painted into the track), and an object split in two by a pillar narrower than
 * it, some entering the frame partly behind the pillar (its far side must keep its id).
 */
export const pieceFamilies = ['newcomer', 'pillar'];

/**
 * A seed's family: seeds ending 01–08 take the first six families by `seed % 6` (as before the
 * added families, so those scenes are unchanged); 09–12 take the added ones in turn, 13–20
 * the piece families in turn.
 */
export function familyOf(seed) {
  const place = seed % 100;
  if (place <= 8) return families[seed % families.length];
  if (place <= 12) return addedFamilies[(place - 9) % addedFamilies.length];
  return pieceFamilies[(place - 13) % pieceFamilies.length];
}
const sizes = [[848, 480], [320, 480], [640, 368], [480, 272]];

function mix(a, b, weight) {
  const v = a.map((x, d) => x + weight * b[d]);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const between = (random, lo, hi) => lo + (hi - lo) * random();

/** Centres per frame of an object bouncing inside the frame. */
function bouncePath(random, frames, width, height, rx, ry, speed) {
  let x = between(random, rx, width - rx);
  let y = between(random, ry, height - ry);
  const angle = between(random, 0, 2 * Math.PI);
  let vx = speed * Math.cos(angle);
  let vy = speed * Math.sin(angle);
  const out = [];
  for (let t = 0; t < frames; t++) {
    out.push([x, y]);
    x += vx;
    y += vy;
    if (x < rx || x > width - rx) vx = -vx;
    if (y < ry || y > height - ry) vy = -vy;
  }
  return out;
}

/**
 * A scene description from a seed: the family comes from the seed's place in its set,
 * everything else is drawn at random.
 */
export function describeScene(seed) {
  const random = mulberry32(seed * 2654435761);
  const family = familyOf(seed);
  const [width, height] = sizes[Math.floor(random() * sizes.length)];
  const frames = family === 'reentry' || family === 'occluder' || family === 'pillar' ? 100 : Math.round(between(random, 60, 90));
  const short = Math.min(width, height);
  const newObject = (id, extra = {}) => {
    const rx = between(random, 0.09, 0.17) * short + 12;
    const ry = rx * between(random, 0.7, 1.4);
    return { id, rx, ry, growth: between(random, -0.15, 0.15), strength: between(random, 3.2, 4.5), drift: between(random, 0, 0.5), path: bouncePath(random, frames, width, height, rx, ry, between(random, 0.3, 2.5)), ...extra };
  };
  const scene = {
    seed, family, width, height, frames,
    pan: random() < 0.5 ? between(random, 0.5, 3) : 0,
    attentionNoise: between(random, 0.4, 0.9),
    featureNoise: between(random, 0.8, 1.3),
    objects: [], walls: [], distractors: [], backgroundHead: undefined,
  };
  const count = family === 'crowd' ? 3 : family === 'pan-crossing' ? 0 : 1 + Math.floor(random() * 2);
  for (let k = 0; k < count; k++) scene.objects.push(newObject(k + 1));
  if (family === 'occluder') {
    // An object crossing a wall, hidden 0.2–2 s; the wall is attended (weakly) by one head only.
    const hidden = Math.round(between(random, 0.2, 2) * fps);
    const object = scene.objects[0];
    object.rx = Math.min(object.rx, width * 0.12);
    object.ry = Math.min(object.ry, height * 0.3);
    object.growth = 0;
    const speed = (width - 2 * object.rx - 20) / frames;
    const wallWidth = Math.min(2 * object.rx + speed * hidden, width * 0.6);
    const y = between(random, object.ry, height - object.ry);
    object.path = Array.from({ length: frames }, (_, t) => [object.rx + 10 + speed * t, y]);
    const wallX = Math.round(width / 2 - wallWidth / 2);
    scene.walls.push({ box: [wallX, 0, Math.round(wallWidth), height], head: Math.floor(random() * 6), attention: between(random, 1.5, 3) });
    if (random() < 0.5) {
      // A partial occluder: a low bar that covers the lower part of whatever passes.
      const barHeight = Math.round(height * between(random, 0.15, 0.3));
      scene.walls.push({ box: [0, height - barHeight, Math.round(width * between(random, 0.2, 0.4)), barHeight], head: Math.floor(random() * 6), attention: between(random, 1, 2.5) });
    }
  }
  if (family === 'crossing') {
    // Two look-alikes (prototypes ~0.9 cosine) crossing at the middle of the clip.
    const y = between(random, 0.35, 0.65) * height;
    const rx = between(random, 0.1, 0.15) * short + 10;
    const speed = (width - 2 * rx - 20) / frames;
    const slope = between(random, -0.3, 0.3);
    const id = scene.objects.length + 1;
    scene.objects.push({ id, rx, ry: rx * between(random, 0.8, 1.2), growth: 0, strength: 4, drift: 0.1, depth: 1, path: Array.from({ length: frames }, (_, t) => [rx + 10 + speed * t, y + slope * speed * (t - frames / 2)]) });
    scene.objects.push({ id: id + 1, rx: rx * 0.9, ry: rx * between(random, 0.8, 1.2), growth: 0, strength: 4, drift: 0.1, depth: 0, lookAlike: id, path: Array.from({ length: frames }, (_, t) => [width - rx - 10 - speed * t, y - slope * speed * (t - frames / 2)]) });
  }
  if (family === 'newcomer') {
    // A look-alike of object 1 (prototype cosine ~0.9) appears at once, 0.3–0.5 of the way
    // through the clip, its edge 0.5–3 radii from object 1's, and stays, still or slow; on
    // seeds ending 15 object 1 recedes, on seeds ending 17 it is cut by the frame's edge.
    const host = scene.objects[0];
    const from = Math.round(between(random, 0.3, 0.5) * frames);
    const rx = host.rx * between(random, 0.7, 1.1);
    const ry = rx * between(random, 0.8, 1.2);
    const [hx, hy] = host.path[from];
    // Apart from the host once kept inside the frame: the first of a few random directions
    // whose boxes are at least half the host's radius apart (else the one furthest apart).
    const gapTo = (x, y) => Math.max(Math.abs(x - hx) - host.rx - rx, Math.abs(y - hy) - host.ry - ry);
    let [x, y] = [hx, hy];
    const wanted = between(random, 0.5, 3) * host.rx;
    for (let attempt = 0; attempt < 12; attempt++) {
      const angle = between(random, 0, 2 * Math.PI);
      const reach = Math.max(host.rx, host.ry) + Math.max(rx, ry) + wanted;
      const tx = Math.min(width - rx, Math.max(rx, hx + reach * Math.cos(angle)));
      const ty = Math.min(height - ry, Math.max(ry, hy + reach * Math.sin(angle)));
      if (gapTo(tx, ty) > gapTo(x, y)) [x, y] = [tx, ty];
      if (gapTo(x, y) >= 0.5 * host.rx) break;
    }
    const speed = between(random, 0, 0.8);
    const heading = between(random, 0, 2 * Math.PI);
    const path = Array.from({ length: frames }, (_, t) => {
      const s = Math.max(0, t - from);
      return [Math.min(width - rx, Math.max(rx, x + speed * s * Math.cos(heading))), Math.min(height - ry, Math.max(ry, y + speed * s * Math.sin(heading)))];
    });
    host.growth = 0;
    const newcomer = { id: scene.objects.length + 1, rx, ry, growth: 0, strength: host.strength, drift: 0.1, lookAlike: host.id, from, path };
    scene.objects.push(newcomer);
    const variant = (seed % 100) % 6; // 13, 19: as above; 15: the host recedes; 17: the host is cut by the frame's edge
    if (variant === 3) {
      // A review: an object that has been larger (moving away) took a look-alike beside it for
      // its other side. It shrinks to half its size over the clip; the newcomer is as large as
      // it is when the newcomer appears (alike, at the same distance).
      host.growth = -0.5;
      const scale = 1 - 0.5 * (from / frames);
      newcomer.rx *= scale;
      newcomer.ry *= scale;
    }
    if (variant === 5) {
      // A review: a track cut by the frame's edge took any look-alike beyond it for its far side.
      // The host stands 0.3–0.7 of its width out of the frame at the left or right edge, drifting
      // along it; the newcomer appears 0.5–2 host radii beyond its edge in view.
      const out = between(random, 0.3, 0.7);
      const left = random() < 0.5;
      const hx = left ? host.rx * (1 - 2 * out) : width - host.rx * (1 - 2 * out);
      const gap = between(random, 0.5, 2) * host.rx;
      const nx = left ? hx + host.rx + gap + newcomer.rx : hx - host.rx - gap - newcomer.rx;
      const [y0, vy] = [between(random, host.ry, height - host.ry), between(random, -0.5, 0.5)];
      host.path = host.path.map((_, t) => [hx, Math.min(height - host.ry, Math.max(host.ry, y0 + vy * t))]);
      newcomer.path = newcomer.path.map(() => [nx, Math.min(height - newcomer.ry, Math.max(newcomer.ry, y0 + vy * from))]);
    }
  }
  if (family === 'pillar') {
    // An object crossing a pillar 0.3–0.8 of its width (split in two while it passes), the
    // pillar attended weakly by one head or not at all; half of them (seeds ending 16 and 20)
    // enter the frame partly behind a pillar near the edge they come from.
    const object = scene.objects[0];
    object.rx = Math.min(object.rx * 1.3, width * 0.18);
    object.ry = Math.min(object.ry, height * 0.3);
    object.growth = 0;
    const pillarWidth = Math.round(2 * object.rx * between(random, 0.3, 0.8));
    random(); // a draw kept (it was a coin flip for entering), so what follows stays as it was
    const entering = (seed % 100) % 4 === 0;
    const pillarX = entering ? Math.round(between(random, 0.3, 1) * object.rx) : Math.round(between(random, 0.35, 0.6) * width - pillarWidth / 2);
    const startX = entering ? -object.rx * between(random, 0.3, 0.9) : object.rx + 10;
    const speed = (width - object.rx - startX) / frames;
    const y = between(random, object.ry, height - object.ry);
    object.path = Array.from({ length: frames }, (_, t) => [startX + speed * t, y]);
    scene.walls.push({ box: [pillarX, 0, pillarWidth, height], head: Math.floor(random() * 6), attention: random() < 0.5 ? between(random, 1, 2.5) : 0 });
  }
  if (family === 'single-head') {
    // A small object (4–10 patches) that one head attends strongly and the others barely,
    // beside a blob wandering over the background in one head (which must not become an object).
    const rx = between(random, 0.035, 0.06) * short + 8;
    scene.objects.push({ id: scene.objects.length + 1, rx, ry: rx * between(random, 0.7, 1.4), growth: 0, strength: between(random, 2.8, 4), drift: between(random, 0, 0.3),
      heads: [Math.floor(random() * 6)], otherHeads: between(random, 0, 0.25), path: bouncePath(random, frames, width, height, rx, rx * 1.4, between(random, 0.3, 1.5)) });
  }
  if (family === 'pan-crossing') {
    // Look-alikes of different sizes and speeds crossing slowly while the camera pans: they
    // overlap for 0.6–1.8 s, the smaller one in front or behind, one of them growing.
    const y = between(random, 0.35, 0.65) * height;
    const ra = between(random, 0.1, 0.15) * short + 10;
    const rb = ra * between(random, 0.55, 0.85);
    const overlap = between(random, 0.6, 1.8) * fps;
    const relative = (2 * (ra + rb)) / overlap; // px a frame, the two together
    const share = between(random, 0.25, 0.75);
    const crossAt = between(random, 0.4, 0.6) * frames;
    const offset = between(random, -0.3, 0.3) * rb;
    const [va, vb] = [share * relative, (1 - share) * relative];
    const front = random() < 0.5 ? 1 : 0;
    scene.pan = between(random, 1, 3) * (random() < 0.5 ? -1 : 1);
    scene.objects.push({ id: 1, rx: ra, ry: ra * between(random, 0.8, 1.2), growth: between(random, 0, 0.5), strength: 4, drift: 0.1, depth: front, path: Array.from({ length: frames }, (_, t) => [width / 2 + va * (t - crossAt), y]) });
    scene.objects.push({ id: 2, rx: rb, ry: rb * between(random, 0.8, 1.2), growth: 0, strength: 4, drift: 0.1, depth: 1 - front, lookAlike: 1, path: Array.from({ length: frames }, (_, t) => [width / 2 - vb * (t - crossAt), y + offset]) });
  }
  if (family === 'reentry') {
    // Leaves by one edge, stays out 0.5–1.6 s, comes back by another edge.
    const object = scene.objects[0];
    const out = Math.round(between(random, 0.5, 1.6) * fps);
    const speed = between(random, 4, 7);
    const y = between(random, object.ry, height - object.ry);
    const x0 = between(random, 0.4, 0.7) * width;
    const exitT = Math.ceil((width + object.rx - x0) / speed);
    object.growth = 0;
    object.path = Array.from({ length: frames }, (_, t) => {
      if (t <= exitT) return [x0 + speed * t, y];
      if (t <= exitT + out) return [width + 2 * object.rx, y];
      const s = t - exitT - out;
      return [width * 0.5, Math.min(height * 0.6, -object.ry + speed * s * 0.6)];
    });
  }
  if (family === 'distractor' || family === 'single-head' || random() < 0.3) {
    // A small blob wandering over the background, attended by one head only.
    scene.distractors.push({ head: Math.floor(random() * 6), path: bouncePath(random, frames, width, height, 24, 24, between(random, 1, 4)), strength: between(random, 2.5, 4) });
  }
  if (family === 'pan-growth') {
    scene.pan = between(random, 2, 4);
    scene.objects[0].growth = between(random, 0.6, 1.2);
    scene.backgroundHead = { head: Math.floor(random() * 6), strength: between(random, 1.5, 2.5) };
  }
  return scene;
}

/** The name a scene goes by in the benchmark's tables. */
export const sceneName = (scene) => `${scene.seed}-${scene.family}`;

/**
 * Generates one scene frame by frame.
 * @returns an iterator of { index, truth: Uint8Array [H*W] ids, clsAttention [heads, n], patchTokens [n, dim] }
 */
export function* generateScene(scene, { dim = 64, heads = 6 } = {}) {
  const { width, height, frames } = scene;
  const random = mulberry32(scene.seed * 7919 + 17);
  const rows = Math.floor(height / patchSize);
  const cols = Math.floor(width / patchSize);
  const n = rows * cols;
  const prototypes = new Map();
  for (const o of scene.objects) prototypes.set(o.id, o.lookAlike ? mix(prototypes.get(o.lookAlike), unitVector(random, dim), 0.45) : unitVector(random, dim));
  const textures = new Map(scene.objects.map((o) => [o.id, unitVector(random, dim)]));
  const drifts = new Map(scene.objects.map((o) => [o.id, unitVector(random, dim)]));
  const wallVectors = scene.walls.map(() => unitVector(random, dim));
  const backgrounds = Array.from({ length: 6 }, () => unitVector(random, dim));
  const order = [...scene.objects].sort((a, b) => (a.depth ?? 0) - (b.depth ?? 0)); // back to front
  for (let t = 0; t < frames; t++) {
    const truth = new Uint8Array(width * height);
    const shapes = new Map(scene.objects.map((o) => {
      const s = 1 + o.growth * (t / frames);
      return [o.id, { centre: o.path[t], rx: o.rx * s, ry: o.ry * s }];
    }));
    for (const object of order) {
      if (t < (object.from ?? 0)) continue; // not there yet
      const { centre: [cx, cy], rx, ry } = shapes.get(object.id);
      for (let y = Math.max(0, Math.floor(cy - ry)); y <= Math.min(height - 1, Math.ceil(cy + ry)); y++) {
        for (let x = Math.max(0, Math.floor(cx - rx)); x <= Math.min(width - 1, Math.ceil(cx + rx)); x++) {
          if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) truth[y * width + x] = object.id;
        }
      }
    }
    const wallPixels = new Int8Array(width * height).fill(-1);
    scene.walls.forEach(({ box: [wx, wy, ww, wh] }, k) => {
      for (let y = wy; y < Math.min(height, wy + wh); y++) {
        truth.fill(0, y * width + wx, y * width + Math.min(width, wx + ww));
        wallPixels.fill(k, y * width + wx, y * width + Math.min(width, wx + ww));
      }
    });

    const tokens = new Float32Array(n * dim); // [n, dim]
    const coverage = new Map(scene.objects.map((o) => [o.id, new Float32Array(n)]));
    const wallCoverage = scene.walls.map(() => new Float32Array(n));
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        // Coverage from a 4×4 sample of the patch's pixels.
        for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
          const p = (r * patchSize + sy * 4 + 2) * width + c * patchSize + sx * 4 + 2;
          if (truth[p]) coverage.get(truth[p])[i] += 1 / 16;
          else if (wallPixels[p] >= 0) wallCoverage[wallPixels[p]][i] += 1 / 16;
        }
        let covered = 0;
        const row = tokens.subarray(i * dim, (i + 1) * dim);
        for (const object of scene.objects) {
          const share = coverage.get(object.id)[i];
          if (!share) continue;
          covered += share;
          const [cx] = shapes.get(object.id).centre;
          const side = c * patchSize + patchSize / 2 < cx ? 1 : -1; // texture differs left/right
          const proto = prototypes.get(object.id);
          const texture = textures.get(object.id);
          const drift = drifts.get(object.id);
          const d0 = object.drift * (t / frames); // appearance drifts over the clip
          for (let d = 0; d < dim; d++) row[d] += share * (proto[d] + 0.35 * side * texture[d] + d0 * drift[d]);
        }
        wallCoverage.forEach((share, k) => {
          if (!share[i]) return;
          covered += share[i];
          for (let d = 0; d < dim; d++) row[d] += share[i] * wallVectors[k][d];
        });
        // Background texture lives in world coordinates, so it pans with the camera.
        const u = (c + (t * scene.pan) / patchSize) / 6;
        const v = r / 5;
        for (let b = 0; b < backgrounds.length; b++) {
          const w = Math.max(0, 1 - covered) * Math.max(0, Math.sin(u * (b + 1) * 0.9 + b) * Math.cos(v * (b % 3 + 1) + b * 0.5));
          for (let d = 0; d < dim; d++) row[d] += w * backgrounds[b][d];
        }
        let mean = 0;
        for (let d = 0; d < dim; d++) mean += (row[d] += (scene.featureNoise * 1.05 * gaussian(random)) / Math.sqrt(dim)) / dim;
        let variance = 0;
        for (let d = 0; d < dim; d++) variance += (row[d] - mean) ** 2 / dim;
        const scale = 1 / Math.sqrt(variance + 1e-6); // LayerNorm
        for (let d = 0; d < dim; d++) row[d] = (row[d] - mean) * scale;
      }
    }

    // Attention: softmax over patches per head; every head attends every object, head h a little more object h mod K.
    const clsAttention = new Float32Array(heads * n); // [heads, n]
    for (let h = 0; h < heads; h++) {
      const favourite = scene.objects[h % scene.objects.length].id;
      const logits = new Float32Array(n);
      let max = -Infinity;
      for (let i = 0; i < n; i++) {
        const r = Math.floor(i / cols);
        const c = i % cols;
        let logit = scene.attentionNoise * gaussian(random);
        for (const object of scene.objects) {
          // An object of `heads` only is attended by the others at `otherHeads` of its strength.
          const gain = object.heads && !object.heads.includes(h) ? object.otherHeads : 1;
          logit += gain * (object.id === favourite ? object.strength + 0.8 : object.strength) * coverage.get(object.id)[i];
        }
        scene.walls.forEach((wall, k) => { if (wall.head === h) logit += wall.attention * wallCoverage[k][i]; });
        for (const spot of scene.distractors) {
          if (spot.head !== h) continue;
          const [sx, sy] = spot.path[t];
          const dr = r - sy / patchSize;
          const dc = c - sx / patchSize;
          logit += spot.strength * Math.exp(-(dr * dr + dc * dc) / 2);
        }
        if (scene.backgroundHead?.head === h) {
          // A broad background region (world-fixed, so it slides with the pan).
          const u = c + (t * scene.pan) / patchSize;
          logit += scene.backgroundHead.strength * Math.max(0, Math.sin(u / 7)) * (r > rows / 2 ? 1 : 0);
        }
        logits[i] = logit;
        if (logit > max) max = logit;
      }
      let total = 0;
      for (let i = 0; i < n; i++) total += logits[i] = Math.exp(logits[i] - max);
      for (let i = 0; i < n; i++) clsAttention[h * n + i] = logits[i] / total;
    }
    // Each object's visible share: its truth pixels over its whole ellipse (walls, objects in front and the frame's edges hide it).
    const shown = new Map();
    for (const v of truth) if (v) shown.set(v, (shown.get(v) ?? 0) + 1);
    const visible = new Map(scene.objects.map((o) => [o.id, Math.min(1, (shown.get(o.id) ?? 0) / (Math.PI * shapes.get(o.id).rx * shapes.get(o.id).ry))]));
    yield { index: t, truth, visible, clsAttention, patchTokens: tokens, heads, dim, rows, cols };
  }
}

/** Ground truth reduced to the patch grid by majority and scaled back: the best a per-patch tracker can do. */
export function getPatchOracle(truth, width, height) {
  const rows = Math.floor(height / patchSize);
  const cols = Math.floor(width / patchSize);
  const out = new Uint8Array(width * height);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    const counts = new Map();
    for (let y = r * patchSize; y < (r + 1) * patchSize; y++) for (let x = c * patchSize; x < (c + 1) * patchSize; x++) {
      const id = truth[y * width + x];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    let best = 0;
    let bestCount = -1;
    for (const [id, count] of counts) if (count > bestCount) [best, bestCount] = [id, count];
    if (!best) continue;
    for (let y = r * patchSize; y < (r + 1) * patchSize; y++) out.fill(best, y * width + c * patchSize, y * width + (c + 1) * patchSize);
  }
  return out;
}

/** Writes a scene: features.safetensors and truth/00000.png …; returns the paths and each frame's visible shares (id → share). */
export async function writeScene(scene, folder, options = {}) {
  mkdirSync(path.join(folder, 'truth'), { recursive: true });
  const cache = path.join(folder, 'features.safetensors');
  const writer = createFeatureCacheWriter(cache, { patch_size: patchSize, frame_width: scene.width, frame_height: scene.height, fps, model: `synthetic:${sceneName(scene)}` });
  const visible = [];
  for (const frame of generateScene(scene, options)) {
    visible.push(frame.visible);
    await writer.write(frame);
    writeFileSync(path.join(folder, 'truth', `${String(frame.index).padStart(5, '0')}.png`), encodeDavisPng(Uint16Array.from(frame.truth), scene.width, scene.height));
  }
  await writer.finish();
  return { cache, truth: path.join(folder, 'truth'), visible };
}
