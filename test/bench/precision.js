// Which precision `--precision auto` should pick on this machine: model-only time and masks
// of the three Hugging Face files of one model, side by side and interleaved (each round
// runs fp32, int8, fp16 in turn, so load from other processes hits all three alike).
//
//   /tmp/venv14/bin/python fixtures/generate_hf_layouts.py --vit-s /tmp/vits   # random ViT-S/16
//   npm run build && node test/bench/precision.js --dir /tmp/vits --rounds 10
//
// --dir holds model.onnx, model_quantized.onnx and model_fp16.onnx (a Hugging Face onnx/
// folder works too). Masks: DINO's 60%-mass foreground of the head-averaged CLS attention.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { decodeModel, encodeModel, openSession, prepareModel_ } from '../../dist/model/index.js';
import { getJaccard } from '../../dist/eval/index.js';
import { averageHeads, thresholdMass } from '../../dist/track/attention-mask.js';
import { cosine } from '../compare.js';
import { makeSmoothInput, median, timeInterleaved } from './measure.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string' },
    rounds: { type: 'string', default: '10' },
    size: { type: 'string', default: '480x848' },
    threads: { type: 'string', default: '0' },
  },
});
if (!args.dir) throw new Error('give --dir with model.onnx, model_quantized.onnx and model_fp16.onnx');
const [height, width] = args.size.split('x').map(Number);
const files = { fp32: 'model.onnx', int8: 'model_quantized.onnx', fp16: 'model_fp16.onnx' };
// DINO's default foreground threshold, as `track --threshold` uses it.
const mass = 0.6;

const sessions = {};
for (const [precision, name] of Object.entries(files)) {
  const file = path.join(args.dir, name);
  const prepared = prepareModel_(decodeModel(readFileSync(file), file), file, height, width);
  sessions[precision] = await openSession(encodeModel(prepared), { device: 'cpu', threads: Number(args.threads) });
}

const input = makeSmoothInput(width, height);
const { outputs, times } = await timeInterleaved(sessions, input, Number(args.rounds), height, width);
const maskOf = (out) => thresholdMass(averageHeads(out.clsAttention, out.heads), mass); // [h*w]
const reference = outputs.fp32;
for (const [precision, out] of Object.entries(outputs)) {
  const ratios = times[precision].map((t, i) => t / times.fp32[i]);
  console.log([
    `${precision}: median ${median(times[precision]).toFixed(0)} ms/frame`,
    `time vs fp32 per round: median ${median(ratios).toFixed(2)} (${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    `cls_attn cosine ${cosine(out.clsAttention, reference.clsAttention).toFixed(5)}`,
    `patch_tokens cosine ${cosine(out.patchTokens, reference.patchTokens).toFixed(5)}`,
    `mask IoU ${getJaccard(maskOf(out), maskOf(reference)).toFixed(3)}`,
  ].join('; '));
}
for (const session of Object.values(sessions)) await session.release();
