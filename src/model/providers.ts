import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Provider } from './session.js';

// What can be known about a provider without loading onnxruntime or a model: the command
// line asks it before anything else (session.ts asks it again before trying).

function isCudaInstalled(): boolean {
  // The CUDA provider library is not in the npm package; its install step adds it beside the binding.
  const require = createRequire(import.meta.url);
  const binding = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return existsSync(path.join(binding, 'bin', 'napi-v6', process.platform, process.arch, 'libonnxruntime_providers_cuda.so'));
}

/**
 * Whether this Linux machine exposes a GPU at all. Without one, trying WebGPU only
 * makes Dawn and the Vulkan loader print warnings we cannot silence (several lines
 * before our own), so no GPU provider is tried.
 */
function hasGpuDeviceNode(): boolean {
  if (process.platform !== 'linux') return true;
  if (existsSync('/dev/nvidia0')) return true;
  try {
    return readdirSync('/dev/dri').some((name) => name.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * Why `provider` cannot run here, when that is known without loading a model (no GPU device;
 * CUDA's provider libraries not installed); undefined for the CPU or when only trying tells.
 * The command line asks before anything else, so a `--device` that cannot work is said first.
 */
export function findUnavailableReason(provider: Provider): string | undefined {
  if (provider === 'cpu') return undefined;
  // Also for an explicit --device: its error must stay one line, without Dawn's.
  if (!hasGpuDeviceNode()) return 'no GPU device on this machine';
  if (provider === 'cuda' && !isCudaInstalled()) return 'the CUDA provider libraries are not installed (see README: GPU)';
  return undefined;
}
