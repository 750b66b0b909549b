// node test/bench/quantize-cosine.js [OTHER_DIST] — how close `models quantize`'s default int8
// copy stays to fp32 on this CPU: cls_attn and patch_tokens cosine against the fp32 model, for
// each committed ViT fixture at 96x128 and two smooth inputs (one of them the test suite's).
// With a second build's dist folder (e.g. a checkout of an older commit), its quantizer is run
// too, on the same models and inputs. The figures depend on the CPU's int8 kernels (AVX2 without
// VNNI saturates where VNNI does not): the first line says which this one has.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cosine } from '../compare.js';
import { models } from '../fixtures.js';

const [height, width] = [96, 128];
const fixtures = ['tiny', 'hfEager', 'hfSdpa', 'confP16', 'confP8'];
const inputs = [(i) => Math.sin(i * 0.37) * 2.2, (i) => Math.sin(i / 97) * 1.5];
const flags = (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').split(' ');
console.log(`CPU int8 dot products: ${flags.some((f) => /vnni/.test(f)) ? 'VNNI' : flags.includes('avx2') ? 'AVX2 without VNNI' : 'neither AVX2 nor VNNI'} (${flags.filter((f) => /vnni|avx512bw|avx2/.test(f)).join(' ') || 'no flags read'})`);

const builds = [['this build', new URL('../../dist', import.meta.url).pathname]];
if (process.argv[2]) builds.push([process.argv[2], path.resolve(process.argv[2])]);
for (const [name, dist] of builds) {
  const { decodeModel, encodeModel, openSession, prepareModel_, quantizeModel_ } = await import(path.join(dist, 'model', 'index.js'));
  console.log(`\n${name}: cls_attn / patch_tokens cosine, int8 against fp32, two inputs`);
  for (const fixture of fixtures) {
    const file = models[fixture];
    const quantized = decodeModel(readFileSync(file), fixture);
    quantizeModel_(quantized, fixture);
    const bytes = encodeModel(quantized);
    const cells = [];
    for (const value of inputs) {
      const input = Float32Array.from({ length: 3 * height * width }, (_, i) => value(i));
      const outputs = [];
      for (const model of [decodeModel(readFileSync(file), fixture), decodeModel(bytes, fixture)]) {
        const session = await openSession(encodeModel(prepareModel_(model, fixture, height, width)), { device: 'cpu' });
        outputs.push(await session.run(input.slice(), 1, height, width));
        await session.release();
      }
      cells.push(`${cosine(outputs[1].clsAttention, outputs[0].clsAttention).toFixed(5)} / ${cosine(outputs[1].patchTokens, outputs[0].patchTokens).toFixed(5)}`);
    }
    console.log(`  ${fixture.padEnd(8)} ${cells.join('    ')}`);
  }
}
