// An independent generator of held-out scenes for issue 15, written after the tracker was tuned
// and used to tune nothing. It shares no code or statistics with scene-families.js: it models
// what DINO ViT-S/16 outputs look like (Caron et al. 2021) from scratch:
// - patch tokens: LayerNorm(object prototype (drifting) + per-part vector + object-local texture
//   + weak screen-position component + frame noise), the layers of a patch mixed by the share of
//   the patch each one covers; a LayerNorm gain and shift shared by every token (with a few
//   outlier dimensions) give unrelated patches the positive cosine real tokens have;
// - background: several "stuff" prototypes blended by smooth fields in world coordinates, so
//   it pans with the camera, plus fine texture;
// - CLS attention: per head a softmax over patches, heads attending different object parts
//   (not the whole object uniformly), one head on background structure, one head weakly on
//   the wall (or a large background region) and on a small blob that wanders over the
//   background, logit noise, and a share of each head's mass kept on the CLS token itself.
// Two kinds, after the descriptions; what they leave open is drawn per seed.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFeatureCacheWriter } from '../../dist/features/index.js';
import { encodeDavisPng } from '../../dist/export/index.js';

export const patch = 16;
export const fps = 25;
export const heldoutKinds = ['wall', 'pan'];
export const heldoutSeeds = [1, 2, 3];
const dim = 384; // ViT-S
const heads = 6;

function createRandom(seed) {
  let a = (seed * 0x9e3779b1) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const gauss = () => Math.sqrt(-2 * Math.log(next() + 1e-12)) * Math.cos(2 * Math.PI * next());
  return { next, gauss, range: (lo, hi) => lo + (hi - lo) * next(), pick: (list) => list[Math.floor(next() * list.length)] };
}

/** A random unit vector: in 384 dimensions any two are near orthogonal. */
function unitVector(random) {
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) n += (v[i] = random.gauss()) ** 2;
  n = Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] /= n;
  return v;
}

function blend(a, b, weight) {
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) n += (v[i] = a[i] + weight * b[i]) ** 2;
  n = Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i] /= n;
  return v;
}

/** A smooth scalar field in [-1, 1]: a few random plane waves of the given wavelength (px). */
function smoothField(random, wavelength, waves = 5) {
  const list = Array.from({ length: waves }, () => {
    const angle = random.range(0, 2 * Math.PI);
    const k = (2 * Math.PI) / (wavelength * random.range(0.6, 1.4));
    return { kx: k * Math.cos(angle), ky: k * Math.sin(angle), phase: random.range(0, 2 * Math.PI) };
  });
  const scale = Math.sqrt(2 / waves);
  return (x, y) => {
    let s = 0;
    for (const w of list) s += Math.sin(w.kx * x + w.ky * y + w.phase);
    return Math.max(-1, Math.min(1, s * scale * 0.7));
  };
}

/** A star-shaped outline: radius R(θ) = R·(1 + Σ a·cos(nθ + φ)), squashed by `aspect`. */
function makeShape(random, radius) {
  const harmonics = [2, 3, 4].map((n) => ({ n, a: random.range(0, 0.22 / (n - 1)), phase: random.range(0, 2 * Math.PI) }));
  return { radius, aspect: random.range(0.6, 1), harmonics, reach: radius * (1 + harmonics.reduce((s, h) => s + h.a, 0)) };
}

/** Object-local coordinates (in radii) of pixel (px, py), or undefined when outside. */
function locate(object, state, px, py) {
  const dx = px - state.x;
  const dy = py - state.y;
  const { shape } = object;
  if (Math.abs(dx) > shape.reach * state.scale || Math.abs(dy) > shape.reach * state.scale) return undefined;
  const c = Math.cos(state.angle);
  const s = Math.sin(state.angle);
  const lx = (dx * c + dy * s) / state.scale;
  const ly = (-dx * s + dy * c) / state.scale / shape.aspect;
  const rho = Math.hypot(lx, ly);
  const theta = Math.atan2(ly, lx);
  let r = 1;
  for (const h of shape.harmonics) r += h.a * Math.cos(h.n * theta + h.phase);
  return rho <= r * shape.radius ? { lx: lx / shape.radius, ly: ly / shape.radius } : undefined;
}

/** Screen-space bounding box of an object in one state (from its outline). */
function extent(object, state) {
  let [x0, y0, x1, y1] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let i = 0; i < 180; i++) {
    const theta = (i / 180) * 2 * Math.PI;
    let r = 1;
    for (const h of object.shape.harmonics) r += h.a * Math.cos(h.n * theta + h.phase);
    const lx = r * object.shape.radius * Math.cos(theta) * state.scale;
    const ly = r * object.shape.radius * Math.sin(theta) * object.shape.aspect * state.scale;
    const x = state.x + lx * Math.cos(state.angle) - ly * Math.sin(state.angle);
    const y = state.y + lx * Math.sin(state.angle) + ly * Math.cos(state.angle);
    [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
  }
  return [x0, y0, x1, y1];
}

/** Appearance and attention profile of one object. `like` makes it a look-alike of another. */
function makeObject(random, radius, path, like) {
  const parts = random.pick([2, 3]);
  const proto = like ? blend(like.proto, unitVector(random), 0.3) : unitVector(random);
  return {
    shape: like ? { ...like.shape, radius, reach: like.shape.reach * (radius / like.shape.radius) } : makeShape(random, radius),
    path,
    parts,
    proto,
    partVectors: like ? like.partVectors : Array.from({ length: 3 }, () => unitVector(random)),
    drift: unitVector(random),
    driftAmount: random.range(0.15, 0.4),
    texture: Array.from({ length: 3 }, () => ({ field: smoothField(random, random.range(0.5, 1.2)), dir: unitVector(random) })),
    salience: random.range(0.75, 1.15),
    // Per head and part: attention logit on this object (see attentionRoles).
    headGain: Array.from({ length: heads }, () => random.range(0.6, 1.3)),
  };
}

/** A straight path through (x, y) at frame `at` with velocity (vx, vy), bouncing inside [x0,x1]×[y0,y1]. */
function bouncing(x, y, vx, vy, at, box, grow = [1, 1], spin = 0) {
  const fold = (v, lo, hi) => {
    const span = hi - lo;
    let u = (v - lo) % (2 * span);
    if (u < 0) u += 2 * span;
    return lo + (u <= span ? u : 2 * span - u);
  };
  return (t, frames) => ({
    x: fold(x + vx * (t - at), box[0], box[2]),
    y: fold(y + vy * (t - at), box[1], box[3]),
    scale: grow[0] + (grow[1] - grow[0]) * (t / (frames - 1)),
    angle: spin * t,
  });
}

function describeWall(seed, random) {
  const [width, height, frames] = [320, 480, 90];
  const wall = { x0: 0, y0: 0, x1: 0, y1: 0 };
  const hidden = makeObject(random, random.range(26, 36), undefined);
  hidden.shape.aspect = random.range(0.75, 1);
  const angle = random.range(-0.4, 0.4);
  const box = extent(hidden, { x: 0, y: 0, scale: 1, angle });
  const speed = random.range(3, 4.2) * random.pick([-1, 1]);
  // The wall: as wide as most of the frame, tall enough to hide the object for 12.5 frames of its motion.
  const wallWidth = random.range(190, 250);
  wall.x0 = Math.round(random.range(8, width - wallWidth - 8));
  wall.x1 = wall.x0 + wallWidth;
  const wallHeight = box[3] - box[1] + 12.5 * Math.abs(speed);
  wall.y0 = Math.round(random.range(0.38, 0.5) * height - wallHeight / 2);
  wall.y1 = wall.y0 + wallHeight;
  const cx = random.range(wall.x0 - box[0] + 4, wall.x1 - box[2] - 4);
  const cy = (wall.y0 + wall.y1) / 2 - (box[1] + box[3]) / 2;
  // Hidden in the middle frames, with its centre in the frame at the first and last frame.
  const [inTop, inBottom] = [40, height - 40];
  const v = Math.abs(speed);
  const [lo, hi] = speed > 0 ? [frames - 1 - (inBottom - cy) / v, (cy - inTop) / v] : [frames - 1 - (cy - inTop) / v, (inBottom - cy) / v];
  const at = Math.round(random.range(Math.max(lo, 25), Math.min(hi, frames - 26)));
  hidden.path = (t) => ({ x: cx, y: cy + speed * (t - at), scale: 1, angle });
  // The two others wander above and below the wall, now and then partly behind its edge.
  const others = [[0, wall.y0 + 18], [wall.y1 - 18, height]].map(([lo, hi]) => {
    const radius = random.range(22, 40);
    const direction = random.range(0, 2 * Math.PI);
    const v = random.range(1.5, 4);
    const pathBox = [radius, lo + radius * 0.8, width - radius, hi - radius * 0.8];
    return makeObject(random, radius, bouncing(random.range(pathBox[0], pathBox[2]), random.range(pathBox[1], pathBox[3]), v * Math.cos(direction), v * Math.sin(direction), 0, pathBox, [1, 1], random.range(-0.02, 0.02)));
  });
  return { kind: 'wall', seed, width, height, frames, objects: [hidden, ...others], wall, pan: [0, 0] };
}

function describePan(seed, random) {
  const [width, height, frames] = [640, 368, 120];
  const pan = [random.range(1.5, 4) * random.pick([-1, 1]), random.range(-0.4, 0.4)];
  // Two look-alikes cross near the middle row; their outlines and prototypes nearly match.
  const crossAt = Math.round(random.range(50, 70));
  const crossX = random.range(260, 380);
  const crossY = random.range(150, 220);
  const radius = random.range(28, 40);
  const v = random.range(1.8, 2.6);
  const offset = random.range(0, 0.5) * radius * random.pick([-1, 1]);
  const box = [radius, radius, width - radius, height - radius];
  const first = makeObject(random, radius, bouncing(crossX, crossY, v, random.range(-0.5, 0.5), crossAt, box));
  const second = makeObject(random, radius * random.range(0.92, 1.08), bouncing(crossX, crossY + offset, -v * random.range(0.85, 1.15), random.range(-0.5, 0.5), crossAt, box), first);
  // One grows 2-2.5 times in size, drifting slowly in the top or bottom band.
  const band = random.pick([[0, 130], [250, height]]);
  const growRadius = random.range(18, 26);
  const growBox = [40, band[0] + 20, width - 40, band[1] - 20];
  const growing = makeObject(random, growRadius, bouncing(random.range(120, 520), (growBox[1] + growBox[3]) / 2, random.range(-1.2, 1.2), random.range(-0.4, 0.4), 0, growBox, [0.8, random.range(1.6, 2)], random.range(-0.01, 0.01)));
  // One leaves by an edge, stays out 1.6 s (40 frames), and comes back by the same or another edge.
  const leaving = makeObject(random, random.range(22, 34), undefined);
  const exits = makeExitPath(random, leaving, width, height, Math.round(random.range(25, 45)), Math.round(fps * 1.6));
  leaving.path = exits;
  return { kind: 'pan', seed, width, height, frames, objects: [first, second, growing, leaving], wall: undefined, pan };
}

/** Exit by a side edge at frame `out` (first frame fully outside), back `away` frames later. */
function makeExitPath(random, object, width, height, out, away) {
  const bounds = extent(object, { x: 0, y: 0, scale: 1, angle: 0 });
  const speed = random.range(3, 5);
  const leaveRight = random.next() < 0.5;
  const returnRight = random.next() < 0.5 ? leaveRight : !leaveRight;
  const y1 = random.range(80, height - 80);
  const y2 = random.range(80, height - 80);
  // Centre just outside at frame `out`: fully out that frame, partly in the frame before.
  const outside = (right) => (right ? width - bounds[0] + 0.5 : -bounds[2] - 0.5);
  const back = out + away;
  return (t) => {
    if (t < back) {
      const x = outside(leaveRight) + (leaveRight ? 1 : -1) * speed * (t - out);
      return { x, y: y1, scale: 1, angle: 0 };
    }
    const x = outside(returnRight) - (returnRight ? 1 : -1) * speed * (t - back + 1);
    return { x, y: y2, scale: 1, angle: 0 };
  };
}

/**
 * Sensitivity variants (HELDOUT_VARIANT): not tuning, a check of which of this generator's own
 * assumptions the result hangs on. 'no-shift': tokens without the shared LayerNorm shift
 * (unrelated patches near orthogonal); 'strong': every attention logit 1.5 times larger (objects
 * take most of each head's mass); 'no-shift+strong': both; 'centred': the default scene with each
 * frame's mean token subtracted from its tokens (what the tracker would see if it centred them).
 */
export const heldoutVariants = {
  default: { shift: 1, attention: 1, centre: false },
  'no-shift': { shift: 0, attention: 1, centre: false },
  strong: { shift: 1, attention: 1.5, centre: false },
  'no-shift+strong': { shift: 0, attention: 1.5, centre: false },
  centred: { shift: 1, attention: 1, centre: true },
};

/** The scene a kind and a seed stand for; the same inputs always give the same scene. */
export function describeHeldout(kind, seed, variant = 'default') {
  const { shift, attention, centre } = heldoutVariants[variant];
  const random = createRandom(seed * 7919 + (kind === 'wall' ? 17 : 53));
  const scene = kind === 'wall' ? describeWall(seed, random) : describePan(seed, random);
  // Background, wall, LayerNorm shift and attention roles, all drawn per scene.
  scene.stuff = Array.from({ length: 3 }, () => ({ proto: unitVector(random), field: smoothField(random, random.range(150, 300)) }));
  scene.bgTexture = Array.from({ length: 3 }, () => ({ field: smoothField(random, random.range(30, 60)), dir: unitVector(random) }));
  scene.structure = smoothField(random, random.range(120, 200));
  scene.position = Array.from({ length: 2 }, () => ({ field: smoothField(random, random.range(200, 400)), dir: unitVector(random) }));
  scene.wallProto = unitVector(random);
  scene.wallTexture = { field: smoothField(random, 40), dir: unitVector(random) };
  scene.gain = Float32Array.from({ length: dim }, () => Math.exp(0.3 * random.gauss()));
  scene.shift = Float32Array.from({ length: dim }, () => 0.6 * random.gauss());
  for (let k = 0; k < 3; k++) scene.shift[Math.floor(random.next() * dim)] = random.range(3, 5) * random.pick([-1, 1]);
  scene.roles = shuffle(random, ['front', 'back', 'whole', 'some', 'structure', 'weak']);
  scene.mixedStrong = scene.objects.map(() => random.next() < 0.5);
  scene.weakGain = random.range(1, 1.5);
  scene.structureGain = random.range(1.5, 2.3);
  scene.noise = { tokens: random.range(0.25, 0.4), logits: random.range(0.35, 0.55) };
  scene.blob = { gain: random.range(2.5, 3.5), radius: random.range(12, 24), path: bouncing(random.range(40, scene.width - 40), random.range(40, scene.height - 40), random.range(-3, 3), random.range(-3, 3), 0, [20, 20, scene.width - 20, scene.height - 20]) };
  scene.clsShare = random.range(0.1, 0.25);
  scene.depth = shuffle(random, scene.objects.map((_, i) => i)); // back to front
  scene.shift = scene.shift.map((v) => v * shift);
  scene.attentionScale = attention;
  scene.centre = centre;
  return scene;
}

function shuffle(random, list) {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random.next() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

export const heldoutName = (scene) => `${scene.kind}-${scene.seed}`;

/**
 * Attention logit a head gives one object sample, by the head's role (levels set once so that a
 * favouring head puts well over half its mass on an object of a dozen patches, as DINO's heads
 * do where keeping 60% of the mass outlines the object; not changed after seeing any result): 'front' and 'back' favour
 * the first and last part, 'whole' the whole object, 'some' only about half of the objects,
 * 'structure' and 'weak' little of any object.
 */
function objectLogit(scene, role, index, part, parts, head) {
  const object = scene.objects[index];
  const g = object.salience * object.headGain[head];
  if (role === 'front') return g * (part === 0 ? 4.8 : 1.4);
  if (role === 'back') return g * (part === parts - 1 ? 4.8 : 1.4);
  if (role === 'whole') return g * 3.2;
  if (role === 'some') return g * (scene.mixedStrong[index] ? 4 : 0.7);
  return g * 0.8;
}

/** Which layer is on top at (px, py): an object index, 'wall', or undefined (background). */
function topLayer(scene, states, px, py) {
  const { wall } = scene;
  if (wall && px >= wall.x0 && px < wall.x1 && py >= wall.y0 && py < wall.y1) return { layer: 'wall' };
  for (let d = scene.depth.length - 1; d >= 0; d--) {
    const i = scene.depth[d];
    const local = locate(scene.objects[i], states[i], px, py);
    if (local) return { layer: i, local };
  }
  return undefined;
}

/** The DAVIS truth of one frame (the wall hides, it is no object) and each object's visible pixels. */
function paintTruth(scene, states) {
  const { width, height, objects } = scene;
  const truth = new Uint16Array(width * height);
  const visible = objects.map(() => 0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const top = topLayer(scene, states, x + 0.5, y + 0.5);
      if (top && top.layer !== 'wall') {
        truth[y * width + x] = top.layer + 1;
        visible[top.layer]++;
      }
    }
  }
  return { truth, visible };
}

const partOf = (object, local) => Math.max(0, Math.min(object.parts - 1, Math.floor(((local.lx + 1) / 2) * object.parts)));

/** Adds one sample's token components, weighted `w`, through `add(vector, weight)`. */
function addSampleToken(scene, top, t, wx, wy, w, add) {
  if (top === undefined) {
    // Background: stuff prototypes softly partitioned by smooth world fields, plus texture.
    const scores = scene.stuff.map((s) => Math.exp(3 * s.field(wx, wy)));
    const total = scores.reduce((a, b) => a + b, 0);
    scene.stuff.forEach((s, i) => add(s.proto, (w * scores[i]) / total));
    for (const tex of scene.bgTexture) add(tex.dir, w * 0.45 * tex.field(wx, wy));
  } else if (top.layer === 'wall') {
    add(scene.wallProto, w);
    add(scene.wallTexture.dir, w * 0.25 * scene.wallTexture.field(wx, wy));
  } else {
    const o = scene.objects[top.layer];
    add(o.proto, w);
    add(o.drift, w * o.driftAmount * (t / scene.frames));
    add(o.partVectors[partOf(o, top.local)], w * 0.6);
    for (const tex of o.texture) add(tex.dir, w * 0.35 * tex.field(top.local.lx, top.local.ly));
  }
}

/** Head `h`'s attention logit on one sample at screen (px, py), world (wx, wy). */
function sampleLogit(scene, h, top, px, py, wx, wy, blob) {
  const role = scene.roles[h];
  let a = 0;
  if (top !== undefined && top.layer !== 'wall') {
    const o = scene.objects[top.layer];
    a = objectLogit(scene, role, top.layer, partOf(o, top.local), o.parts, h);
  } else if (role === 'structure' && top === undefined) a = scene.structureGain * Math.max(0, scene.structure(wx, wy) - 0.3) / 0.7;
  else if (role === 'weak' && top?.layer === 'wall') a = scene.weakGain;
  else if (role === 'weak' && !scene.wall && top === undefined) a = scene.weakGain * (scene.stuff[0].field(wx, wy) > 0.2 ? 1 : 0);
  if (role === 'weak' && top === undefined) {
    const d = Math.hypot(px - blob.x, py - blob.y);
    a += scene.blob.gain * Math.exp(-(d * d) / (2 * scene.blob.radius ** 2));
  }
  return a;
}

/** LayerNorm of `raw` with the scene's shared gain and shift, into `out` at `base`. */
function layerNorm(scene, raw, out, base) {
  let mean = 0;
  for (let i = 0; i < dim; i++) mean += raw[i];
  mean /= dim;
  let variance = 0;
  for (let i = 0; i < dim; i++) variance += (raw[i] - mean) ** 2;
  const sd = Math.sqrt(variance / dim + 1e-6);
  for (let i = 0; i < dim; i++) out[base + i] = ((raw[i] - mean) / sd) * scene.gain[i] + scene.shift[i];
}

/** Per head, a softmax over the patches, less the share that stays on the CLS token. */
function softmaxHeads(scene, logits, n) {
  const attention = new Float32Array(heads * n);
  for (let h = 0; h < heads; h++) {
    const off = h * n;
    let max = -Infinity;
    for (let p = 0; p < n; p++) max = Math.max(max, logits[off + p]);
    let total = 0;
    for (let p = 0; p < n; p++) total += (attention[off + p] = Math.exp(logits[off + p] - max));
    const share = (1 - scene.clsShare) / total;
    for (let p = 0; p < n; p++) attention[off + p] *= share;
  }
  return attention;
}

/** One frame's patch tokens and CLS attention, from 4×4 samples per patch. */
function makeFeatures(scene, states, t, noise) {
  const cols = Math.floor(scene.width / patch);
  const rows = Math.floor(scene.height / patch);
  const samples = 4; // per side of a patch
  const w = 1 / (samples * samples);
  const [ox, oy] = [scene.pan[0] * t, scene.pan[1] * t];
  const blob = scene.blob.path(t, scene.frames);
  const patchTokens = new Float32Array(rows * cols * dim);
  const logits = new Float32Array(heads * rows * cols);
  const raw = new Float32Array(dim);
  const add = (vector, weight) => {
    for (let i = 0; i < dim; i++) raw[i] += weight * vector[i];
  };
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const p = r * cols + c;
      raw.fill(0);
      const headSum = new Float32Array(heads);
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const px = c * patch + (sx + 0.5) * (patch / samples);
          const py = r * patch + (sy + 0.5) * (patch / samples);
          const top = topLayer(scene, states, px, py);
          addSampleToken(scene, top, t, px + ox, py + oy, w, add);
          for (let h = 0; h < heads; h++) headSum[h] += w * sampleLogit(scene, h, top, px, py, px + ox, py + oy, blob);
        }
      }
      for (const pos of scene.position) add(pos.dir, 0.15 * pos.field(c * patch * 2, r * patch * 2));
      for (let i = 0; i < dim; i++) raw[i] += (scene.noise.tokens / Math.sqrt(dim)) * 1.7 * noise.gauss();
      layerNorm(scene, raw, patchTokens, p * dim);
      for (let h = 0; h < heads; h++) logits[h * rows * cols + p] = scene.attentionScale * (headSum[h] + scene.noise.logits * noise.gauss());
    }
  }
  if (scene.centre) centreTokens(patchTokens, rows * cols);
  return { rows, cols, heads, dim, clsAttention: softmaxHeads(scene, logits, rows * cols), patchTokens, blob };
}

/**
 * Frames of the scene: feature cache frames plus the DAVIS truth and each object's visible pixels
 * (`features: false`: the truth only, for checking the geometry quickly).
 */
export function* generateHeldout(scene, { features = true } = {}) {
  const noise = createRandom(scene.seed * 104729 + 1);
  for (let t = 0; t < scene.frames; t++) {
    const states = scene.objects.map((o) => o.path(t, scene.frames));
    const { truth, visible } = paintTruth(scene, states);
    yield features ? { index: t, ...makeFeatures(scene, states, t, noise), truth, visible } : { index: t, truth, visible, states };
  }
}

/** Subtracts the frame's mean token from every token, in place. */
function centreTokens(tokens, n) {
  const mean = new Float32Array(dim);
  for (let p = 0; p < n; p++) for (let i = 0; i < dim; i++) mean[i] += tokens[p * dim + i] / n;
  for (let p = 0; p < n; p++) for (let i = 0; i < dim; i++) tokens[p * dim + i] -= mean[i];
}

/** Writes the scene as a feature cache and DAVIS truth PNGs under `folder`. */
export async function writeHeldout(scene, folder) {
  mkdirSync(path.join(folder, 'truth'), { recursive: true });
  const cache = path.join(folder, 'features.safetensors');
  const writer = createFeatureCacheWriter(cache, { patch_size: patch, frame_width: scene.width, frame_height: scene.height, fps, model: `heldout:${heldoutName(scene)}` });
  const visible = [];
  const blobs = [];
  for (const frame of generateHeldout(scene)) {
    visible.push(frame.visible);
    blobs.push(frame.blob);
    await writer.write(frame);
    writeFileSync(path.join(folder, 'truth', `${String(frame.index).padStart(5, '0')}.png`), encodeDavisPng(frame.truth, scene.width, scene.height));
  }
  await writer.finish();
  return { cache, truth: path.join(folder, 'truth'), visible, blobs };
}
