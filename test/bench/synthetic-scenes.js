// Synthetic scenes with known ground truth, for the tracking benchmark and tests.
// Each scene is a set of textured objects moving over a textured, panning background,
// with walls that hide objects, crossings, exits and re-entries. For every frame it
// gives pixel ground truth and DINO-like model outputs at the patch grid:
//  - cls_attn: per-head softmax attention that falls mostly on objects, each head
//    favouring a different object, sometimes distracted by a background spot;
//  - patch_tokens: LayerNorm-scale features, an object-specific prototype (with a
//    part-dependent texture term) mixed by coverage with background features, plus noise.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encodeDavisPng } from '../../dist/export/index.js';
import { createFeatureCacheWriter } from '../../dist/features/index.js';

export const frameWidth = 848;
export const frameHeight = 480;
export const patchSize = 16;
export const rows = frameHeight / patchSize;
export const cols = frameWidth / patchSize;
export const fps = 25;

export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(random) {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

export function unitVector(random, dim) {
  const v = Float32Array.from({ length: dim }, () => gaussian(random));
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

const linear = (from, to, t0, t1) => (t) => {
  const s = Math.min(1, Math.max(0, (t - t0) / (t1 - t0)));
  return [from[0] + (to[0] - from[0]) * s, from[1] + (to[1] - from[1]) * s];
};

/** The scenes: name → description. Paths give the centre (x, y) in pixels at frame t. */
export const scenes = {
  'pan-two': { frames: 100, pan: 2, objects: [
    { id: 1, rx: 90, ry: 70, path: linear([220, 240], [330, 260], 0, 100) },
    { id: 2, rx: 70, ry: 90, path: linear([620, 220], [560, 280], 0, 100) }] },
  'occlusion-1s': { frames: 110, pan: 1, walls: [[380, 0, 110, 480]], objects: [
    { id: 1, rx: 50, ry: 60, path: linear([150, 240], [720, 240], 0, 110) },
    { id: 2, rx: 70, ry: 50, path: linear([700, 100], [680, 120], 0, 110) }] },
  'occlusion-2s': { frames: 130, pan: 0, walls: [[300, 0, 250, 480]], objects: [
    { id: 1, rx: 50, ry: 55, path: linear([130, 300], [760, 300], 0, 130) },
    { id: 2, rx: 60, ry: 60, path: linear([720, 100], [740, 110], 0, 130) }] },
  crossing: { frames: 100, pan: 1, objects: [
    { id: 1, rx: 70, ry: 70, depth: 1, path: linear([150, 200], [700, 260], 0, 100) },
    { id: 2, rx: 60, ry: 75, depth: 0, path: linear([700, 220], [150, 280], 0, 100) }] },
  'leave-reenter': { frames: 120, pan: 0, objects: [
    { id: 1, rx: 60, ry: 60, path: (t) => (t < 45 ? linear([500, 240], [950, 240], 0, 45)(t) : t < 70 ? [950, 240] : linear([950, 240], [600, 260], 70, 120)(t)) },
    { id: 2, rx: 70, ry: 60, path: linear([180, 240], [220, 200], 0, 120) }] },
  'noisy-three': { frames: 100, pan: 1, noise: 0.3, objects: [
    { id: 1, rx: 60, ry: 60, path: linear([150, 150], [250, 180], 0, 100) },
    { id: 2, rx: 55, ry: 70, path: linear([450, 330], [420, 300], 0, 100) },
    { id: 3, rx: 65, ry: 55, path: linear([700, 160], [650, 200], 0, 100) }] },
};

/**
 * Generates one scene frame by frame.
 * @returns an iterator of { index, truth: Uint8Array [H*W] ids, clsAttention [heads, n], patchTokens [n, dim] }
 */
export function* generateScene(name, { dim = 64, heads = 6, seed = 1 } = {}) {
  const scene = scenes[name];
  const random = mulberry32(seed * 7919 + name.length * 104729);
  const prototypes = new Map(scene.objects.map((o) => [o.id, unitVector(random, dim)]));
  const textures = new Map(scene.objects.map((o) => [o.id, unitVector(random, dim)]));
  const backgrounds = Array.from({ length: 6 }, () => unitVector(random, dim));
  const n = rows * cols;
  const order = [...scene.objects].sort((a, b) => (a.depth ?? 0) - (b.depth ?? 0)); // back to front
  const walls = scene.walls ?? [];
  for (let t = 0; t < scene.frames; t++) {
    const truth = new Uint8Array(frameWidth * frameHeight);
    const centres = new Map(scene.objects.map((o) => [o.id, o.path(t)]));
    for (const object of order) {
      const [cx, cy] = centres.get(object.id);
      for (let y = Math.max(0, Math.floor(cy - object.ry)); y <= Math.min(frameHeight - 1, Math.ceil(cy + object.ry)); y++) {
        for (let x = Math.max(0, Math.floor(cx - object.rx)); x <= Math.min(frameWidth - 1, Math.ceil(cx + object.rx)); x++) {
          if (((x - cx) / object.rx) ** 2 + ((y - cy) / object.ry) ** 2 <= 1) truth[y * frameWidth + x] = object.id;
        }
      }
    }
    for (const [wx, wy, ww, wh] of walls) for (let y = wy; y < wy + wh; y++) truth.fill(0, y * frameWidth + wx, y * frameWidth + wx + ww);

    const tokens = new Float32Array(n * dim); // [n, dim]
    const objectness = new Float32Array(n);
    const coverageById = new Map(scene.objects.map((o) => [o.id, new Float32Array(n)]));
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        // Coverage from a 4×4 sample of the patch's pixels.
        for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) {
          const id = truth[(r * patchSize + sy * 4 + 2) * frameWidth + c * patchSize + sx * 4 + 2];
          if (id) coverageById.get(id)[i] += 1 / 16;
        }
        let covered = 0;
        const row = tokens.subarray(i * dim, (i + 1) * dim);
        for (const object of scene.objects) {
          const coverage = coverageById.get(object.id)[i];
          if (!coverage) continue;
          covered += coverage;
          const [cx] = centres.get(object.id);
          const side = c * patchSize + patchSize / 2 < cx ? 1 : -1; // texture differs left/right
          const proto = prototypes.get(object.id);
          const texture = textures.get(object.id);
          for (let d = 0; d < dim; d++) row[d] += coverage * (proto[d] + 0.35 * side * texture[d]);
        }
        objectness[i] = covered;
        // Background texture lives in world coordinates, so it pans with the camera.
        const u = (c + (t * scene.pan) / patchSize) / 6;
        const v = r / 5;
        for (let b = 0; b < backgrounds.length; b++) {
          const w = (1 - covered) * Math.max(0, Math.sin(u * (b + 1) * 0.9 + b) * Math.cos(v * (b % 3 + 1) + b * 0.5));
          for (let d = 0; d < dim; d++) row[d] += w * backgrounds[b][d];
        }
        let mean = 0;
        for (let d = 0; d < dim; d++) mean += (row[d] += 0.35 * gaussian(random) / Math.sqrt(dim) * 3) / dim;
        let variance = 0;
        for (let d = 0; d < dim; d++) variance += (row[d] - mean) ** 2 / dim;
        const scale = 1 / Math.sqrt(variance + 1e-6); // LayerNorm
        for (let d = 0; d < dim; d++) row[d] = (row[d] - mean) * scale;
      }
    }

    // Attention: softmax over patches per head; head h prefers object h mod K.
    const distracted = random() < (scene.noise ?? 0.1);
    const spot = [Math.floor(random() * rows), Math.floor(random() * cols)];
    const clsAttention = new Float32Array(heads * n); // [heads, n]
    for (let h = 0; h < heads; h++) {
      const favourite = scene.objects[h % scene.objects.length].id;
      let max = -Infinity;
      const logits = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        let logit = 0.6 * gaussian(random);
        for (const object of scene.objects) logit += (object.id === favourite ? 4.5 : 3.5) * coverageById.get(object.id)[i];
        if (distracted) {
          const dr = Math.floor(i / cols) - spot[0];
          const dc = (i % cols) - spot[1];
          logit += 3.5 * Math.exp(-(dr * dr + dc * dc) / 4);
        }
        logits[i] = logit;
        max = Math.max(max, logit);
      }
      let total = 0;
      for (let i = 0; i < n; i++) total += logits[i] = Math.exp(logits[i] - max);
      for (let i = 0; i < n; i++) clsAttention[h * n + i] = logits[i] / total;
    }
    yield { index: t, truth, clsAttention, patchTokens: tokens, heads, dim, rows, cols };
  }
}

/**
 * Writes a scene to a folder: features.safetensors (the feature cache) and
 * truth/00000.png … (DAVIS PNGs). Returns the paths.
 */
export async function writeScene(name, folder, options = {}) {
  mkdirSync(path.join(folder, 'truth'), { recursive: true });
  const cache = path.join(folder, 'features.safetensors');
  const writer = createFeatureCacheWriter(cache, { patch_size: patchSize, frame_width: frameWidth, frame_height: frameHeight, fps, model: `synthetic:${name}` });
  let frames = 0;
  for (const frame of generateScene(name, options)) {
    await writer.write(frame);
    writeFileSync(path.join(folder, 'truth', `${String(frame.index).padStart(5, '0')}.png`), encodeDavisPng(Uint16Array.from(frame.truth), frameWidth, frameHeight));
    frames++;
  }
  await writer.finish();
  return { cache, truth: path.join(folder, 'truth'), frames };
}
