// What the region probes (single-head-rings.js, backdrop-twins.js) share: the scenes of a set
// and which patches are on objects in truth.
import { describeHeldout, generateHeldout, heldoutKinds, heldoutSeeds } from './heldout-scenes.js';
import { describeScene, generateScene, patchSize, probeSets, testSeeds, tuningSeeds } from './scene-families.js';

/** The scenes of `set` (tuning, test, heldout with `variant`, or a probe set): name, width and a frame generator each. */
export function* benchScenes(set, variant) {
  if (set === 'heldout') {
    for (const kind of heldoutKinds) for (const seed of heldoutSeeds) {
      const scene = describeHeldout(kind, seed, variant);
      yield { name: `${kind}-${seed}`, width: scene.width, frames: generateHeldout(scene) };
    }
    return;
  }
  const seeds = set === 'tuning' ? tuningSeeds : set === 'test' ? testSeeds : probeSets[set];
  if (!seeds) throw new Error(`unknown set ${set}: tuning, test, heldout or one of ${Object.keys(probeSets).join(', ')}`);
  for (const seed of seeds) {
    const scene = describeScene(seed);
    yield { name: String(seed), width: scene.width, frames: generateScene(scene) };
  }
}

/** Per patch: whether most of its pixels (sampled every second one) are on an object. */
export function patchesOnObjects(frame, width) {
  const { rows, cols } = frame;
  const out = new Uint8Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    let count = 0;
    for (let y = r * patchSize; y < (r + 1) * patchSize; y += 2) for (let x = c * patchSize; x < (c + 1) * patchSize; x += 2) if (frame.truth[y * width + x] > 0) count++;
    out[r * cols + c] = count * 2 >= (patchSize / 2) ** 2 ? 1 : 0;
  }
  return out;
}
