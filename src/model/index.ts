/** Model stage: registry, download, ONNX preparation, inference session. */
export { explainCacheWriteError, getCacheDir } from './cache-dir.js';
export { downloadFile } from './download.js';
export { assertOnnxFile, checkModelFile, loadModel, resolveModelFile, getCachedModelPath, type LoadedModel, type LoadOptions } from './load.js';
export { cacheLeftoverQuietMs, getPreparedModelPath } from './prepared-cache.js';
export { fuseAttention_, type FusedAttention } from './fuse-attention.js';
export { decodeModel, encodeModel, hasInlinedData, type ModelProto } from './onnx-graph.js';
export { type GraphPrecision } from './graph-precision.js';
export { getModelInputSize, writeNormalisedFrame_, imagenetMean, imagenetStd, largestInputSide, largestShortSide } from './preprocess.js';
export { inspectModel, outputNames, preparationVersion, prepareModel_, type ModelStructure } from './prepare.js';
export { defaultQuantizeOptions, quantizeForms, quantizeGraph_, quantizeModel_, quantizeWeights, type QuantizeForm, type QuantizeOptions, type QuantizeSummary } from './quantize.js';
export { resizePositionEmbedding } from './position-embedding.js';
export {
  getDefaultModelName, getModel, getModelUrl, isRegistryName, listModels, precisionChoices, precisions, resolvePrecision,
  type Precision, type PrecisionChoice, type RegistryEntry,
} from './registry.js';
export { openSimilaritySession, type SimilaritySession } from './similarity-session.js';
export { discardInferenceWorker, startInferenceWorker } from './worker-session.js';
export { findUnavailableReason } from './providers.js';
export { getAttentionBytes, getFastBatchSize, webgpuAttentionBytes } from './batch-limit.js';
export { autoProviderOrder, openSession, type Device, type ModelOutputs, type ModelSession, type Provider } from './session.js';
