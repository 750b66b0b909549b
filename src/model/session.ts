import ort from 'onnxruntime-node';
import { ExternalError, InputError, UsageError } from '../errors.js';
import { floatsToHalves, halvesToFloats } from '../util/float16.js';
import { outputNames } from './prepare.js';
import { findUnavailableReason } from './providers.js';

export type Device = 'auto' | 'cpu' | 'cuda' | 'webgpu';
export type Provider = Exclude<Device, 'auto'>;

/** Order in which `--device auto` tries providers: fastest first, CPU always last. */
export const autoProviderOrder: Provider[] = ['cuda', 'webgpu', 'cpu'];

export interface SessionOptions {
  device: Device;
  /** CPU threads for onnxruntime; 0 lets it choose (all cores). */
  threads?: number;
  verbose?: boolean;
  /** Called once with a notice when `auto` fell back from a GPU provider. */
  notify?: (line: string) => void;
}

/** The model's per-frame outputs for a batch, as float32. */
export interface ModelOutputs {
  /** `[B, heads, h*w]` */
  clsAttention: Float32Array;
  /** `[B, h*w, D]` */
  patchTokens: Float32Array;
  heads: number;
  dim: number;
  /**
   * The input tensor, handed back for the next batch (a worker session moves it to the worker
   * and back); absent where the caller still holds it. A fresh megabyte per frame cost more
   * of the main thread's time at 224 lines than normalising the frame into it.
   */
  spentInput?: Float32Array;
}

/** A loaded inference session and the provider it runs on. */
export interface ModelSession {
  provider: Provider;
  inputName: string;
  inputType: 'float32' | 'float16';
  run(input: Float32Array, batch: number, height: number, width: number): Promise<ModelOutputs>;
  release(): Promise<void>;
}

async function createSession(model: Uint8Array, provider: Provider, options: SessionOptions): Promise<ort.InferenceSession> {
  const unavailable = findUnavailableReason(provider);
  if (unavailable) throw new Error(unavailable);
  return ort.InferenceSession.create(model, {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: options.threads ?? 0,
    // 4 = fatal only: onnxruntime's warnings, and its errors that reach us anyway as the
    // failed call's message (said in one line of ours), would otherwise reach the terminal.
    logSeverityLevel: options.verbose ? 2 : 4,
    // Spinning threads wait for work by burning a core; our decoder, encoder and tracker
    // run beside the model, and measured end-to-end runs were faster without it.
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
}

function toFloat32(tensor: ort.Tensor): Float32Array {
  if (tensor.type === 'float32') return tensor.data as Float32Array;
  if (tensor.type === 'float16') {
    const data = tensor.data as unknown as ArrayLike<number>;
    // onnxruntime returns Float16Array where the runtime has it, else raw half bits.
    if (data instanceof Uint16Array) return halvesToFloats(data);
    return Float32Array.from(data);
  }
  throw new InputError(`the model returned ${tensor.type} outputs; expected float32 or float16`);
}

/**
 * Opens an inference session on the requested provider. `auto` tries CUDA, then
 * WebGPU, then CPU, and says once which GPU provider it could not use.
 * @throws UsageError when an explicitly requested provider is unavailable.
 */
export async function openSession(model: Uint8Array, options: SessionOptions): Promise<ModelSession> {
  ort.env.logLevel = options.verbose ? 'warning' : 'fatal';
  const order = options.device === 'auto' ? autoProviderOrder : [options.device];
  const failures: string[] = [];
  for (const provider of order) {
    let session: ort.InferenceSession;
    try {
      session = await createSession(model, provider, options);
    } catch (cause) {
      const reason = (cause as Error).message.split('\n')[0];
      if (options.device !== 'auto') {
        throw new UsageError(`--device ${provider} is not available here (${reason}); use --device auto or cpu`, { cause });
      }
      failures.push(`${provider}: ${reason}`);
      continue;
    }
    // On a CPU-only machine this is the normal case: said only with --verbose.
    if (failures.length > 0 && provider === 'cpu' && options.verbose) {
      options.notify?.(`no GPU provider available (${failures.join('; ')}); running on CPU`);
    }
    return wrapSession(session, provider);
  }
  throw new ExternalError(`no onnxruntime provider could load the model (${failures.join('; ')})`);
}

function wrapSession(session: ort.InferenceSession, provider: Provider): ModelSession {
  const inputName = session.inputNames[0];
  const metadata = session.inputMetadata?.[0] as { type?: string } | undefined;
  const inputType = metadata?.type === 'float16' ? 'float16' : 'float32';
  for (const name of Object.values(outputNames)) {
    if (!session.outputNames.includes(name)) {
      throw new InputError(`the model has no ${name} output; prepare it with \`dino-track models prepare\``);
    }
  }
  return {
    provider,
    inputName,
    inputType,
    async run(input, batch, height, width) {
      // fp16 models take half-precision input: convert here so callers always pass float32.
      const tensor = inputType === 'float16'
        ? new ort.Tensor('float16', floatsToHalves(input), [batch, 3, height, width])
        : new ort.Tensor('float32', input, [batch, 3, height, width]);
      let results: ort.InferenceSession.ReturnType;
      try {
        results = await session.run({ [inputName]: tensor });
      } catch (cause) {
        throw describeRunFailure(cause as Error, batch, height, width);
      }
      const attention = results[outputNames.clsAttention];
      const tokens = results[outputNames.patchTokens];
      const patches = tokens.dims[1];
      return {
        clsAttention: toFloat32(attention),
        patchTokens: toFloat32(tokens),
        heads: attention.dims[1],
        dim: tokens.dims[2],
        ...(attention.dims[2] !== patches ? failShape(attention.dims, tokens.dims) : {}),
      };
    },
    release: () => session.release(),
  };
}

/**
 * onnxruntime's allocator's words ("Failed to allocate memory for requested buffer of size N"
 * on CPU and in CUDA's arena; "out of memory" from CUDA itself).
 */
const outOfMemory = /Failed to allocate memory|out of memory|bad_alloc/i;

/**
 * A failed model call in one line. Out of memory names the size and what sets it: a second
 * trial's `--short-side 4320` (inside its range) asked for 375 GiB at once, and the line was
 * onnxruntime's, naming a FusedMatMul node and not the option.
 */
function describeRunFailure(cause: Error, batch: number, height: number, width: number): ExternalError {
  const first = cause.message.split('\n')[0];
  if (!outOfMemory.test(first)) return new ExternalError(`onnxruntime failed to run the model at ${width}x${height} (WxH): ${first}`, { cause });
  const asked = /requested buffer of size (\d+)/.exec(first);
  const amount = asked ? ` (one buffer of ${(Number(asked[1]) / 2 ** 30).toFixed(1)} GiB)` : '';
  // Each frame of a call adds its own attention products: with several, --batch is the first way out (a review).
  if (batch > 1) {
    return new ExternalError(`the model ran out of memory at ${width}x${height} (WxH) input with ${batch} frames a call${amount}: give a smaller --batch (default 1), or a smaller --short-side`, { cause });
  }
  return new ExternalError(`the model ran out of memory at ${width}x${height} (WxH) input${amount}: attention grows with the square of the patch count; give a smaller --short-side (default 480), or a model prepared for a smaller size`, { cause });
}

function failShape(attention: readonly number[], tokens: readonly number[]): never {
  throw new InputError(`the model's outputs disagree: cls_attn [${attention.join(', ')}] vs patch_tokens [${tokens.join(', ')}]; prepare it again`);
}
