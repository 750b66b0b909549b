import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export interface RegistryEntry {
  name: string;
  description: string;
  patchSize: number;
  dim: number;
  heads: number;
  depth: number;
  onnx: { path: string; size: number | null; sha256: string | null };
  checkpoint: string;
}

interface RegistryFile {
  default: string;
  models: Record<string, Omit<RegistryEntry, 'name'>>;
}

const defaultBaseUrl = 'https://huggingface.co';

let registry: RegistryFile | undefined;

function loadRegistry(): RegistryFile {
  registry ??= JSON.parse(readFileSync(new URL('../../models/registry.json', import.meta.url), 'utf8')) as RegistryFile;
  return registry;
}

/** Every known model, in registry order. */
export function listModels(): RegistryEntry[] {
  return Object.entries(loadRegistry().models).map(([name, entry]) => ({ name, ...entry }));
}

export function getDefaultModelName(): string {
  return loadRegistry().default;
}

/** True when `name` is a registry name rather than a file path. */
export function isRegistryName(name: string): boolean {
  return Object.hasOwn(loadRegistry().models, name);
}

/**
 * @param option what the name was given as, for the message (`--model`, `NAME`)
 * @throws UsageError listing the known names when `name` is not one.
 */
export function getModel(name: string, option = '--model'): RegistryEntry {
  const entry = loadRegistry().models[name];
  if (!entry) {
    const accepted = option === '--model' ? 'a model name (NAMES) or a .onnx file' : 'a model name (NAMES)';
    throw new UsageError(`Expected ${accepted.replace('NAMES', Object.keys(loadRegistry().models).join(', '))} for ${option} but received ${JSON.stringify(name)}`);
  }
  return { name, ...entry };
}

/** The download URL, honouring DINO_TRACK_MODEL_BASE_URL (mirrors, tests). */
export function getModelUrl(entry: RegistryEntry): string {
  const base = (process.env.DINO_TRACK_MODEL_BASE_URL || defaultBaseUrl).replace(/\/+$/, '');
  return `${base}/${entry.onnx.path}`;
}
