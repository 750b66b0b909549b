// node test/bench/gpu-batch.js MODEL.onnx [--provider webgpu] [--frames 32] [--batches 1,2,4,8]
//                              [--lines 480,352:1/8/9] [--variants given224,all,basic]
// Why batching does or does not pay on a GPU provider: frames/s at several batch sizes for
// the model as given (its own output only; at 224x224, the only size a Hugging Face export
// runs at unprepared) and the graph `track` prepares (CLS attention and patch tokens added)
// at 224x224 (variant given224), and the prepared graph at each --lines size (a 16:9 frame
// of that height) at graph optimisation 'all' (what `track` uses) and 'basic'. --lines
// SIZE:B1/B2/... gives one size its own batch sizes, else --batches. A smooth synthetic frame
// (never zeros); one warm-up call per batch size, not counted.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import ort from 'onnxruntime-node';
import { decodeModel, encodeModel, getModelInputSize, inspectModel, prepareModel_ } from '../../dist/model/index.js';
import { makeSmoothInput } from './measure.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    provider: { type: 'string', default: 'webgpu' }, frames: { type: 'string', default: '32' }, batches: { type: 'string', default: '1,2,4,8' },
    lines: { type: 'string', default: '480' }, variants: { type: 'string', default: 'given224,all,basic' },
  },
});
const file = positionals[0];
const bytes = readFileSync(file);
const model = decodeModel(bytes);
const structure = inspectModel(model, file);
const small = { width: 224, height: 224 };
const prepare = ({ width, height }) => encodeModel(prepareModel_(decodeModel(bytes), file, height, width));

async function timeVariant(name, graph, level, { width, height }, batches = args.batches) {
  const frame = makeSmoothInput(width, height);
  const session = await ort.InferenceSession.create(graph, { executionProviders: [args.provider], graphOptimizationLevel: level, logSeverityLevel: 3 });
  const input = session.inputNames[0];
  const half = session.inputMetadata?.[0]?.type === 'float16';
  const cells = [];
  for (const batch of batches.split(',').map(Number)) {
    const data = new Float32Array(batch * frame.length);
    for (let b = 0; b < batch; b++) data.set(frame, b * frame.length);
    const tensor = half ? new ort.Tensor('float16', Uint16Array.from(data, (v) => toHalf(v)), [batch, 3, height, width]) : new ort.Tensor('float32', data, [batch, 3, height, width]);
    try {
      await session.run({ [input]: tensor });
      const calls = Math.max(2, Math.round(Number(args.frames) / batch));
      const started = performance.now();
      for (let i = 0; i < calls; i++) await session.run({ [input]: tensor });
      cells.push(`b${batch} ${((calls * batch) / ((performance.now() - started) / 1000)).toFixed(1)}`);
    } catch (error) {
      cells.push(`b${batch} failed (${error.message.split('\n')[0].slice(0, 80)})`);
    }
  }
  await session.release();
  console.log(`${name.padEnd(24)} ${cells.join('  ')}  (frames/s)`);
}

// float32 to IEEE half bits, round to nearest (inputs are normalised pixels, well inside range).
function toHalf(value) {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  return sign | ((exponent << 10) + ((bits >>> 13) & 0x3ff) + ((bits >>> 12) & 1));
}

console.log(`${file}: ${args.provider}`);
const variants = args.variants.split(',');
if (variants.includes('given224')) {
  await timeVariant('224 as given, opt all', bytes, 'all', small);
  await timeVariant('224 prepared, opt all', prepare(small), 'all', small);
}
// --lines 480:1/2/3 gives one size its own batches.
for (const item of args.lines.split(',')) {
  const [lines, batches] = item.split(':');
  const size = getModelInputSize(Math.round((Number(lines) * 848) / 480), Number(lines), Number(lines), structure.patchSize);
  const prepared = prepare(size);
  for (const level of ['all', 'basic'].filter((v) => variants.includes(v))) {
    await timeVariant(`${size.width}x${size.height} prepared, opt ${level}`, prepared, level, size, batches?.replaceAll('/', ',') ?? args.batches);
  }
}
