import type { Provider } from './session.js';

/**
 * The most bytes of attention product (each block's [batch, heads, N, N] values) one
 * WebGPU model call may hold and stay fast. Past a size, onnxruntime's WebGPU provider ran
 * the model several times slower per frame, not faster: random ViT-S/16 at 480x848 on an
 * H200, fp32 batch 1, 2, 3, 4: 46.5, 48.8, 11.0, 9.4 frames/s. Over five sizes and both
 * float widths the slow calls began between 159 MB (9 frames at 352 lines, fp32: fast) and
 * 172 MB (5 frames at 416 lines: slow), whatever the width (fp16 at 480 lines: 5 frames,
 * 152 MB, fast; 6, 182 MB, slow) — test/bench/gpu-batch.js, README: GPU. The cause was not
 * found, and other adapters and drivers may break elsewhere, so the limit keeps a margin:
 * 128 MiB, WebGPU's own default for one buffer binding. In the one case measured where a
 * larger batch would still have been fast, it cost 7% (fp16 at 480 lines: batch 4 65.9,
 * batch 5 70.9 frames/s).
 */
export const webgpuAttentionBytes = 128 * 2 ** 20;

/** Bytes of one attention product for one frame: heads × tokens² values. */
export function getAttentionBytes(heads: number, tokens: number, bytesPerValue: number): number {
  return heads * tokens * tokens * bytesPerValue;
}

/**
 * The largest batch up to `requested` that stays fast on `provider`: on WebGPU, the most
 * frames whose attention product stays within webgpuAttentionBytes (at least 1); elsewhere
 * `requested`.
 * @param tokens patches + 1 (the CLS token)
 */
export function getFastBatchSize(requested: number, provider: Provider, heads: number, tokens: number, bytesPerValue: number): number {
  if (provider !== 'webgpu') return requested;
  const fitting = Math.floor(webgpuAttentionBytes / getAttentionBytes(heads, tokens, bytesPerValue));
  return Math.max(1, Math.min(requested, fitting));
}
