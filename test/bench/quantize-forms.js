// Which int8 graph `models quantize` should write: the node forms and what to quantize,
// timed side by side and interleaved (each round runs every variant once in turn, so load
// from other processes hits all alike), with attention and token cosines against fp32.
//
//   /tmp/venv14/bin/python fixtures/generate_hf_layouts.py --vit-s /tmp/vits   # random ViT-S/16
//   npm run build && node test/bench/quantize-forms.js --dir /tmp/vits --rounds 7
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeModel, encodeModel, fuseAttention_, openSession, prepareModel_, quantizeModel_ } from '../../dist/model/index.js';
import { getJaccard } from '../../dist/eval/index.js';
import { averageHeads, thresholdMass } from '../../dist/track/attention-mask.js';
import { cosine } from '../compare.js';
import { makeSmoothInput, median, timeInterleaved } from './measure.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    rounds: { type: 'string', default: '7' },
    size: { type: 'string', default: '480x848' },
    threads: { type: 'string', default: '0' },
    only: { type: 'string' },
  },
});
if (!args.dir) throw new Error('give --dir with model.onnx and model_quantized.onnx');
const [height, width] = args.size.split('x').map(Number);
const source = path.join(args.dir, 'model.onnx');
const sourceBytes = readFileSync(source);
const variants = {
  fp32: null,
  'int8 download': 'model_quantized.onnx',
  'fused, weights only': { form: 'fused', attention: [], perChannel: true, rightOperand: 'uint8' },
  'integer, weights per-tensor': { form: 'integer', attention: [], perChannel: false, rightOperand: 'uint8' },
  'integer, + QK AV u8s8': { form: 'integer', attention: ['scores', 'values'], perChannel: true, rightOperand: 'int8' },
  'fused, + QK u8u8': { form: 'fused', attention: ['scores'], perChannel: true, rightOperand: 'uint8' },
  'fused, + QK u8s8': { form: 'fused', attention: ['scores'], perChannel: true, rightOperand: 'int8' },
  'fused, + AV u8s8': { form: 'fused', attention: ['values'], perChannel: true, rightOperand: 'int8' },
  'fused, + QK AV u8u8': { form: 'fused', attention: ['scores', 'values'], perChannel: true, rightOperand: 'uint8' },
  'fused, + QK AV u8s8': { form: 'fused', attention: ['scores', 'values'], perChannel: true, rightOperand: 'int8' },
  'integer, weights only': { form: 'integer', attention: [], perChannel: true, rightOperand: 'uint8' },
  'integer, weights, fused MHA': { form: 'integer', attention: [], perChannel: true, rightOperand: 'int8', fuseAttention: true },
  'fp32, fused MHA': 'fuse only',
};
const chosen = args.only ? Object.fromEntries(Object.entries(variants).filter(([name]) => name === 'fp32' || args.only.split(';').includes(name))) : variants;
// DINO's default foreground threshold, as `track --threshold` uses it.
const mass = 0.6;

const sessions = {};
for (const [name, variant] of Object.entries(chosen)) {
  const downloaded = typeof variant === 'string' && variant !== 'fuse only';
  const file = downloaded ? path.join(args.dir, variant) : source;
  const model = decodeModel(downloaded ? readFileSync(file) : sourceBytes, file);
  if (variant && typeof variant === 'object') quantizeModel_(model, file, { fuseAttention: false, ...variant });
  if (variant === 'fuse only') {
    fuseAttention_(model.graph, Number(model.opsetImport.find((o) => !o.domain)?.version));
    model.opsetImport.push({ domain: 'com.microsoft', version: 1 });
  }
  sessions[name] = await openSession(encodeModel(prepareModel_(model, file, height, width)), { device: 'cpu', threads: Number(args.threads) });
}

const input = makeSmoothInput(width, height);
const { outputs, times, cpuTimes } = await timeInterleaved(sessions, input, Number(args.rounds), height, width);
const maskOf = (out) => thresholdMass(averageHeads(out.clsAttention, out.heads), mass); // [h*w]
const reference = outputs.fp32;
console.log(`${args.size}, ${args.rounds} interleaved rounds, threads ${args.threads === '0' ? 'all' : args.threads}`);
for (const [name, out] of Object.entries(outputs)) {
  const speedups = times[name].map((t, i) => times.fp32[i] / t);
  console.log([
    `${name.padEnd(31)} median ${median(times[name]).toFixed(0).padStart(5)} ms/frame`,
    `speed-up vs fp32 ${median(speedups).toFixed(2)}x`,
    `CPU ${median(cpuTimes[name]).toFixed(0)} ms/frame (${(median(cpuTimes.fp32) / median(cpuTimes[name])).toFixed(2)}x)`,
    `cls_attn cosine ${cosine(out.clsAttention, reference.clsAttention).toFixed(5)}`,
    `patch_tokens cosine ${cosine(out.patchTokens, reference.patchTokens).toFixed(5)}`,
    `mask IoU ${getJaccard(maskOf(out), maskOf(reference)).toFixed(3)}`,
  ].join('; '));
}
for (const session of Object.values(sessions)) await session.release();
