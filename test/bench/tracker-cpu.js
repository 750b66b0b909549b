// node test/bench/tracker-cpu.js [other-dist/track/index.js] — the multi-object tracker's CPU
// time per frame at ViT-S width (D 384, 30×53 patch grid, 848×480), in-process, on a
// generated scene. With a second tracker module (e.g. an older build), both run in the same
// process, alternating A B A B, so a shared machine's drift hits both alike.
import { createMultiTracker } from '../../dist/track/index.js';
import { describeScene, fps, generateScene } from './scene-families.js';

const frames = 40;
const seed = 401; // a crowd scene (3 objects)
const scene = { ...describeScene(seed), width: 848, height: 480 };
const generated = [...generateScene({ ...scene, frames: Math.min(frames, scene.frames) }, { dim: 384 })];
const modules = [['this build', createMultiTracker]];
if (process.argv[2]) modules.push([process.argv[2], (await import(process.argv[2])).createMultiTracker]);
const totals = new Map(modules.map(([name]) => [name, []]));
for (let round = 0; round < 2; round++) {
  for (const [name, create] of modules) {
    const tracker = create({ width: 848, height: 480, fps, threshold: 0.6, maxObjects: 20 });
    const started = performance.now();
    for (const frame of generated) await tracker.update(frame);
    totals.get(name).push((performance.now() - started) / generated.length);
  }
}
for (const [name, values] of totals) console.log(`${name}: ${values.map((v) => v.toFixed(1)).join(', ')} ms/frame (mean ${(values.reduce((a, b) => a + b, 0) / values.length).toFixed(1)}) over ${generated.length} frames, D 384, 30x53`);
