import ort from 'onnxruntime-node';
import { ExternalError } from '../errors.js';
import { encodeModel, onnx, type ValueInfoProto } from './onnx-graph.js';

/** Cosine similarity of unit token sets on onnxruntime: `[n, d]` × `[m, d]ᵀ` → `[n, m]`. */
export interface SimilaritySession {
  similarity(targets: Float32Array, sources: Float32Array, dim: number): Promise<Float32Array>;
  release(): Promise<void>;
}

function tensorInfo(name: string, dims: string[]): ValueInfoProto {
  return { name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((dimParam) => ({ dimParam })) } } } };
}

/** A one-node graph (Gemm with the second operand transposed), built here rather than shipped. */
function buildGemmModel(): Uint8Array {
  return encodeModel(onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'dino-track',
    graph: {
      name: 'patch_similarity',
      node: [{ opType: 'Gemm', input: ['targets', 'sources'], output: ['similarity'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] }],
      input: [tensorInfo('targets', ['n', 'd']), tensorInfo('sources', ['m', 'd'])],
      output: [tensorInfo('similarity', ['n', 'm'])],
    },
  }));
}

/**
 * The tracker's patch similarity on the CPU provider. Propagation compares every patch
 * with a window of patches in several frames; as a matrix product this is a few tens of
 * milliseconds per frame at ViT-S/16 480p, instead of a second in JavaScript.
 * @param threads onnxruntime intra-op threads; 0 = all cores
 */
export async function openSimilaritySession(threads = 1): Promise<SimilaritySession> {
  const session = await ort.InferenceSession.create(buildGemmModel(), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    logSeverityLevel: 3,
    // Idle threads of this session must not spin while the model's session needs the cores.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  return {
    async similarity(targets, sources, dim) {
      const n = targets.length / dim;
      const m = sources.length / dim;
      try {
        const out = await session.run({ targets: new ort.Tensor('float32', targets, [n, dim]), sources: new ort.Tensor('float32', sources, [m, dim]) });
        return out.similarity.data as Float32Array;
      } catch (cause) {
        throw new ExternalError(`onnxruntime failed to compare patch features (${n}x${m}, ${dim}): ${(cause as Error).message.split('\n')[0]}`, { cause });
      }
    },
    release: () => session.release(),
  };
}
