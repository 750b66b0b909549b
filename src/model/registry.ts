import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** The weight precisions a registry model is published in (the Hugging Face layouts). */
export const precisions = ['fp32', 'fp16', 'int8'] as const;
export type Precision = (typeof precisions)[number];

/** `--precision` choices: one of the published precisions, or `auto`. */
export const precisionChoices = ['auto', ...precisions] as const;
export type PrecisionChoice = (typeof precisionChoices)[number];

/**
 * What `auto` picks: fp32. Measured (test/bench/precision.js, random ViT-S/16 at 480x848,
 * 2 shared CPU cores): int8 took 0.79x fp32's time but its 60%-mass mask had IoU 0.975
 * with fp32's, not equal; fp16 took 1.26x. `models quantize` is faster still (1.59x fp32
 * in CPU time, README Models) with mask IoU 0.978, again not equal. Real DINO weights were
 * not available to check int8's masks, so `auto` stays on fp32 until they are.
 */
export const autoPrecision: Precision = 'fp32';

/** The precision `--precision` stands for. */
export function resolvePrecision(choice: PrecisionChoice | undefined): Precision {
  return !choice || choice === 'auto' ? autoPrecision : choice;
}

/** One downloadable file; size and sha256 are null where the publisher does not state them. */
export interface OnnxFile {
  path: string;
  size: number | null;
  sha256: string | null;
}

export interface RegistryEntry {
  name: string;
  description: string;
  patchSize: number;
  dim: number;
  heads: number;
  depth: number;
  onnx: Record<Precision, OnnxFile>;
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

/** The download URL of one precision, honouring DINO_TRACK_MODEL_BASE_URL (mirrors, tests). */
export function getModelUrl(entry: RegistryEntry, precision: Precision): string {
  const base = (process.env.DINO_TRACK_MODEL_BASE_URL || defaultBaseUrl).replace(/\/+$/, '');
  return `${base}/${entry.onnx[precision].path}`;
}
