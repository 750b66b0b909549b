import { readFileSync } from 'node:fs';
import { elementTypes, type GraphProto } from './onnx-graph.js';

/**
 * int8 graphs this CPU runs wrongly. On x86 without VNNI (AVX2 only), onnxruntime's u8s8 kernels
 * add pairs of uint8 × int8 products in 16 bits, which saturate when the weights use the full
 * signed range: the committed fixtures' attention fell to cosine 0.94 against fp32 with ±127
 * weights (README, Models: models quantize). dino-track's own quantizer now writes ±63, but files
 * quantized before, or by other tools without "reduce range", still have them: a notice says so.
 */

/** Integer products and the input index of their weight. */
const weightInputs: Record<string, number> = { MatMulInteger: 1, ConvInteger: 1, DynamicQuantizeMatMul: 1, MatMulIntegerToFloat: 1 };

/** The largest |weight| 7 bits hold; a pair of products with weights beyond it can pass 32767. */
const sevenBitLimit = 64;

/** Whether a graph has signed 8-bit weights beyond the 7-bit range in an integer product. */
export function hasFullRangeSignedWeights(graph: GraphProto): boolean {
  const initializers = new Map(graph.initializer.map((t) => [t.name, t]));
  return graph.node.some((node) => {
    const index = weightInputs[node.opType ?? ''];
    const weight = index === undefined ? undefined : initializers.get(node.input?.[index] ?? '');
    if (weight?.dataType !== elementTypes.int8 || !weight.rawData) return false;
    return exceedsSevenBits(new Int8Array(weight.rawData.buffer, weight.rawData.byteOffset, weight.rawData.byteLength));
  });
}

/**
 * Whether any value lies beyond ±64. A plain loop: it runs at start-up over every weight of a
 * model whose weights are within range (21 M for ViT-S), where `some` with a callback took 180 ms.
 */
function exceedsSevenBits(values: Int8Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v > sevenBitLimit || v < -sevenBitLimit) return true;
  }
  return false;
}

/**
 * Whether this CPU adds int8 products in 16 bits: x86-64 without VNNI, read from Linux's
 * /proc/cpuinfo (`cpuinfo` for tests). Undefined where that cannot be told (another system, ARM).
 */
export function saturatesInt8Pairs(cpuinfo?: string): boolean | undefined {
  let text = cpuinfo;
  if (text === undefined) {
    if (process.arch !== 'x64') return undefined;
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return undefined;
    }
  }
  const flags = /^flags\s*:(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/);
  if (!flags) return undefined;
  return !flags.some((flag) => flag === 'avx512_vnni' || flag === 'avx_vnni');
}
