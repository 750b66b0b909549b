// node test/bench/quantize-range.js --dir DIR --other OTHER_DIST [--threads 1] [--rounds 15]
// Whether the weights' range costs speed: the fp32 model.onnx in DIR (e.g. a random ViT-S/16
// from `fixtures/generate_hf_layouts.py --vit-s DIR`), `models quantize`'s default int8 copy
// made by this build and by another build's quantizer (OTHER_DIST: the dist folder of a
// checkout, e.g. of dd08c07^, whose weights took ±127 where this build's take ±63), all three
// prepared at 480x848 and timed call by call in turn (interleaved), with cls_attn cosine
// against fp32. The first line says which int8 dot products this CPU has.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cosine } from '../compare.js';
import { makeSmoothInput, median, timeInterleaved } from './measure.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' }, other: { type: 'string' },
    threads: { type: 'string', default: '1' }, rounds: { type: 'string', default: '15' },
  },
});
if (!args.dir || !args.other) throw new Error('give --dir (with model.onnx) and --other (another build\'s dist folder)');
const flags = (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').split(' ');
console.log(`CPU int8 dot products: ${flags.some((f) => /vnni/.test(f)) ? 'VNNI' : flags.includes('avx2') ? 'AVX2 without VNNI' : 'neither'}`);

const [height, width] = [480, 848];
const ours = await import(new URL('../../dist/model/index.js', import.meta.url).pathname);
const other = await import(path.join(path.resolve(args.other), 'model', 'index.js'));
const source = path.join(args.dir, 'model.onnx');
const bytes = readFileSync(source);
const open = (quantizer) => {
  const model = ours.decodeModel(bytes, source);
  if (quantizer) quantizer.quantizeModel_(model, source, quantizer.defaultQuantizeOptions);
  return ours.openSession(ours.encodeModel(ours.prepareModel_(model, source, height, width)), { device: 'cpu', threads: Number(args.threads) });
};
const sessions = { fp32: await open(null), 'this build': await open(ours), [args.other]: await open(other) };
const rounds = Number(args.rounds);
const { outputs, times, cpuTimes } = await timeInterleaved(sessions, makeSmoothInput(width, height), rounds, height, width);
console.log(`${height}x${width}, ${rounds} interleaved rounds, threads ${args.threads === '0' ? 'all' : args.threads}`);
for (const name of Object.keys(sessions)) {
  console.log([
    `${name.padEnd(12)} wall ${median(times[name]).toFixed(0)} ms/frame, CPU ${median(cpuTimes[name]).toFixed(0)} ms/frame`,
    `CPU vs fp32 ${(median(cpuTimes.fp32) / median(cpuTimes[name])).toFixed(2)}x`,
    `wall vs fp32 (median of rounds) ${median(times[name].map((t, i) => times.fp32[i] / t)).toFixed(2)}x`,
    `cls_attn cosine ${cosine(outputs[name].clsAttention, outputs.fp32.clsAttention).toFixed(5)}`,
  ].join('; '));
}
for (const session of Object.values(sessions)) await session.release();
