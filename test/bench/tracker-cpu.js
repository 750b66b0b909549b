// node test/bench/tracker-cpu.js [--js] [--frames N] [--seed S] [other-dist/track/index.js] — the
// multi-object tracker's time per frame at ViT-S width (D 384, 30×53 patch grid, 848×480),
// in-process, on a generated scene with objects (so that label propagation runs). The patch
// similarity is the pipeline's: onnxruntime's Gemm on one thread (`openSimilaritySession`);
// --js uses the JavaScript fallback instead. Reports wall time and process CPU time (the
// tracker's main thread plus the similarity session's thread) per frame. With a second
// tracker module (e.g. an older build), both run in the same process, alternating A B A B,
// so a shared machine's drift hits both alike.
import { parseArgs } from 'node:util';
import { openSimilaritySession } from '../../dist/model/index.js';
import { createMultiTracker } from '../../dist/track/index.js';
import { median } from './measure.js';
import { describeScene, fps, generateScene } from './scene-families.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { js: { type: 'boolean', default: false }, frames: { type: 'string', default: '40' }, seed: { type: 'string', default: '401' }, rounds: { type: 'string', default: '3' } },
});
const frames = Number(args.frames);
const seed = Number(args.seed); // 401: a crowd scene (3 objects)
const scene = { ...describeScene(seed), width: 848, height: 480 };
const generated = [...generateScene({ ...scene, frames: Math.min(frames, scene.frames) }, { dim: 384 })];
const session = args.js ? undefined : await openSimilaritySession(1);
const modules = [['this build', createMultiTracker]];
if (positionals[0]) modules.push([positionals[0], (await import(positionals[0])).createMultiTracker]);
const wall = new Map(modules.map(([name]) => [name, []]));
const cpu = new Map(modules.map(([name]) => [name, []]));
for (let round = 0; round < Number(args.rounds); round++) {
  for (const [name, create] of modules) {
    const tracker = create({ width: 848, height: 480, fps, threshold: 0.6, maxObjects: 20, similarity: session?.similarity });
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    for (const frame of generated) await tracker.update(frame);
    const used = process.cpuUsage(cpuStarted);
    wall.get(name).push((performance.now() - started) / generated.length);
    cpu.get(name).push((used.user + used.system) / 1000 / generated.length);
  }
}
await session?.release();
const list = (values) => values.map((v) => v.toFixed(1)).join(', ');
console.log(`tracker per frame over ${generated.length} frames of scene ${seed}, D 384, 30x53, similarity ${args.js ? 'JavaScript' : 'onnxruntime (1 thread)'}:`);
for (const [name] of modules) console.log(`  ${name}: wall ${list(wall.get(name))} ms (median ${median(wall.get(name)).toFixed(1)}); CPU ${list(cpu.get(name))} ms (median ${median(cpu.get(name)).toFixed(1)})`);
