import { existsSync, statSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomically } from '../util/atomic-path.js';
import { InputError, UsageError } from '../errors.js';
import {
  assertOnnxFile, checkModelFile, decodeModel, largestInputSide, encodeModel, hasInlinedData, getCachedModelPath, getModel, getModelUrl, inspectModel, listModels, precisions, prepareModel_, resolveModelFile,
  quantizeModel_, resolvePrecision, type GraphPrecision, type ModelProto, type PrecisionChoice, type QuantizeSummary,
} from '../model/index.js';
import { refuseReplacingInputs } from './output-overlap.js';
import { validateTarget } from './output-target.js';
import { countOf } from './count-of.js';
import { modelProducer } from './own-outputs.js';
import { createProgress, type ProgressMode } from './progress.js';

/** One line for a model file that cannot be read. */
function cannotRead(file: string, cause: NodeJS.ErrnoException): InputError {
  return new InputError(`cannot read ${file} (${cause.code}); check the path`, { cause });
}

/** The model file exists and is an ONNX file: a missing one, a folder or a checkpoint is said as that. */
function checkModelInput(file: string): void {
  try {
    statSync(file);
  } catch (error) {
    throw cannotRead(file, error as NodeJS.ErrnoException);
  }
  assertOnnxFile(file);
}

/**
 * `-o` of prepare and quantize, checked as track checks its own, before the model is read:
 * the input exists (a missing one is the real error, not "pass --overwrite"), `-o` is not
 * the input (with --overwrite the fp32 model was replaced by its own int8 copy), names no
 * folder and sits in a folder that exists and is writable.
 */
function checkModelOutput(file: string, output: string, overwrite: boolean): void {
  checkModelInput(file);
  refuseReplacingInputs([{ name: 'FILE', file }], [{ name: '-o', file: output, folder: false }]);
  validateTarget('-o', output, overwrite, { folder: false, exampleName: 'model.onnx', own: 'model' });
}

/**
 * Marks a model this command writes as dino-track's (producer_name, which `--overwrite` reads
 * back: own-outputs.ts), keeping the original producer in producer_version.
 */
function markAsOurs_(model: ModelProto): ModelProto {
  const source = [model.producerName, model.producerVersion].filter(Boolean).join(' ');
  model.producerName = modelProducer;
  model.producerVersion = source ? `from ${source}` : '';
  return model;
}

/** `models list`: the registry, with the precisions already in the cache. */
export function runModelsList(): void {
  const rows = listModels().map((m) => {
    const cached = precisions.filter((precision) => existsSync(getCachedModelPath(m.name, precision)));
    return [m.name, `${m.patchSize}`, `${m.dim}`, `${m.heads}`, cached.length > 0 ? cached.join(',') : 'no', m.description];
  });
  const header = ['name', 'patch', 'dim', 'heads', 'cached', 'description'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows]) process.stdout.write(`${row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`);
}

/** `models pull NAME`: download one precision into the cache (resuming a broken download). */
export async function runModelsPull(name: string, precisionChoice: PrecisionChoice, progressMode: ProgressMode): Promise<void> {
  const entry = getModel(name, 'NAME');
  const precision = resolvePrecision(precisionChoice);
  const url = getModelUrl(entry, precision);
  // A cached file that is not a model (a captive portal's page, kept by an older version) is
  // replaced: pulling is how a user repairs the cache.
  const cached = getCachedModelPath(entry.name, precision);
  if (existsSync(cached) && !(await checkModelFile(cached, url).then(() => true, () => false))) {
    process.stderr.write(`dino-track: ${cached} is not a readable model; downloading it again\n`);
    await rm(cached, { force: true });
  }
  const progress = createProgress(progressMode, 'bytes');
  try {
    const file = await resolveModelFile({
      model: entry.name,
      precision,
      onDownloadProgress: (received, total) => progress.update(received, total ?? received),
      notify: (line) => process.stderr.write(`dino-track: ${line}\n`),
      offlineAdvice: `then run \`dino-track models pull ${entry.name}${precisionChoice === 'auto' ? '' : ` --precision ${precisionChoice}`}\` again (an interrupted download resumes)`,
    });
    progress.stop();
    process.stdout.write(`${file}\n`);
  } finally {
    progress.stop();
  }
}

/** What `models info` says of a precision besides its name: what the 4-bit layouts' weights are. */
const precisionNotes: Record<GraphPrecision, string> = {
  fp32: '',
  fp16: '',
  int8: '',
  q4: '4-bit weight products: MatMulNBits; ',
  q4f16: '4-bit weight products: MatMulNBits, float16 elsewhere; ',
};

/** `models info FILE.onnx`: what preparation finds in a graph. */
export async function runModelsInfo(file: string, json: boolean): Promise<void> {
  checkModelInput(file);
  const bytes = await readFile(file).catch((cause: NodeJS.ErrnoException) => {
    throw cannotRead(file, cause);
  });
  const structure = inspectModel(decodeModel(bytes, file, file), file);
  if (json) {
    process.stdout.write(`${JSON.stringify({ file, ...structure })}\n`);
    return;
  }
  // Written as every size the tool prints: width first, and said so.
  const size = structure.inputHeight && structure.inputWidth ? `${structure.inputWidth}x${structure.inputHeight} WxH` : 'any size';
  // A prepared model's position embeddings are already resized: it keeps no trained grid.
  const grid = structure.trainedGrid > 0 ? `${structure.trainedGrid}x${structure.trainedGrid} patches (${structure.trainedGrid * structure.patchSize} px)` : 'none (resized for its input when it was prepared)';
  process.stdout.write(
    [
      `file: ${file}`,
      `input: ${structure.inputName} (${size})`,
      `patch size: ${structure.patchSize}`,
      `width (D): ${structure.dim}`,
      `trained grid: ${grid}`,
      `precision: ${structure.precision} (${precisionNotes[structure.precision]}position embeddings ${structure.elementType})`,
      `prepared: ${structure.prepared ? 'yes (has cls_attn and patch_tokens)' : structure.onlyAtInputSize ? `no (exported for ${size} only: track prepares it for that size and scales frames to it)` : 'no (track prepares it automatically)'}`,
    ].join('\n') + '\n',
  );
}

/** Parses "HxW" (height first, like the design's shapes). */
export function parseSize(raw: string): { height: number; width: number } {
  const match = /^(\d+)x(\d+)$/.exec(raw.trim());
  if (!match || Number(match[1]) <= 0 || Number(match[2]) <= 0) {
    throw new UsageError(`Expected HEIGHTxWIDTH in pixels (e.g. 480x848) for --size but received ${JSON.stringify(raw)}`);
  }
  return { height: Number(match[1]), width: Number(match[2]) };
}

/** `models prepare FILE.onnx --size HxW -o OUT.onnx`. */
export async function runModelsPrepare(file: string, sizeText: string, output: string, overwrite: boolean): Promise<void> {
  const { height, width } = parseSize(sizeText);
  // Height first, unlike every size the tool prints: the example says which is which, and the other reading (a second trial gave a 480x270 video's WxH and got a portrait model).
  const explain = (h: number, w: number): string => `${h}x${w} (height ${h}, width ${w})${h === w ? '' : `, or ${w}x${h} for a video ${h} px wide`}`;
  const prepared = await prepareModelFile(file, { height, width }, output, overwrite, { name: '--size (HEIGHTxWIDTH, height first)', shown: JSON.stringify(sizeText), format: (h, w) => `${h}x${w}`, explain });
  process.stderr.write(`dino-track: wrote ${output}: prepared for ${width}x${height} (WxH) input, ${(prepared.length / 1e6).toFixed(1)} MB\n`);
}

/**
 * Prepares `file` for one input size, as `models prepare` and the library's `prepareModel` do:
 * the same checks first (the input exists; `output`, when given, is not the input, is no folder
 * and replaces a file only with `overwrite`: the library wrote over anything, its own input
 * included, a first-time user), then the prepared bytes, written to `output` when given.
 * @throws InputError for a missing or unreadable file, UsageError for a bad size or output
 */
export async function prepareModelFile(file: string, size: { height: number; width: number }, output: string | undefined, overwrite: boolean, sizeOption: { name: string; shown: string; format: (height: number, width: number) => string; explain?: (height: number, width: number) => string }): Promise<Uint8Array> {
  const { height, width } = size;
  if (height > largestInputSide || width > largestInputSide) {
    throw new UsageError(`Expected a height and width of at most ${largestInputSide} pixels (8K video is ${sizeOption.format(4320, 7680)}) for ${sizeOption.name} but received ${sizeOption.shown}`);
  }
  if (output === undefined) checkModelInput(file);
  else checkModelOutput(file, output, overwrite);
  const bytes = await readFile(file).catch((cause: NodeJS.ErrnoException) => {
    throw cannotRead(file, cause);
  });
  const graph = decodeModel(bytes, file, file);
  const { patchSize } = inspectModel(graph, file);
  // A size the model cannot take is a bad option (exit 2), not a bad model.
  if (height % patchSize !== 0 || width % patchSize !== 0) {
    const round = (v: number): number => Math.max(patchSize, Math.round(v / patchSize) * patchSize);
    throw new UsageError(`Expected a height and width that are multiples of the patch size ${patchSize} for ${sizeOption.name} but received ${sizeOption.shown}; e.g. ${(sizeOption.explain ?? sizeOption.format)(round(height), round(width))}`);
  }
  const prepared = encodeModel(markAsOurs_(prepareModel_(graph, file, height, width)));
  if (output !== undefined) await writeFileAtomically(output, prepared, overwrite);
  return prepared;
}

/** `models quantize FILE.onnx -o OUT.onnx`: dynamic int8 (README, Models: "int8 from your own model"). */
export async function runModelsQuantize(file: string, output: string, overwrite: boolean): Promise<void> {
  checkModelOutput(file, output, overwrite);
  const bytes = await readFile(file).catch((cause: NodeJS.ErrnoException) => {
    throw cannotRead(file, cause);
  });
  const model = decodeModel(bytes, file, file);
  // With external data files the model is more than its file: say the size of all of it.
  const sizeIn = hasInlinedData(model) ? encodeModel(model).length : bytes.length;
  const summary = quantizeModel_(model, file);
  const quantized = encodeModel(markAsOurs_(model));
  await writeFileAtomically(output, quantized, overwrite);
  process.stderr.write(`${describeQuantized(output, summary, sizeIn, quantized.length)}\n`);
}

/** `models quantize`'s closing line: what was written, what was quantized and fused, and the sizes. */
export function describeQuantized(output: string, summary: QuantizeSummary, bytesIn: number, bytesOut: number): string {
  const attention = summary.attentionProducts > 0 ? ` and ${countOf(summary.attentionProducts, 'attention product')}` : '';
  const fused = summary.fusedAttentions > 0 ? `, ${countOf(summary.fusedAttentions, 'attention')} fused` : '';
  return `dino-track: wrote ${output}: int8, ${countOf(summary.weightProducts, 'weight product')}${attention} quantized${fused}, ${(bytesOut / 1e6).toFixed(1)} MB (from ${(bytesIn / 1e6).toFixed(1)} MB)`;
}
