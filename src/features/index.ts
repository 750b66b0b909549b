/** Feature cache: attend once, track many times (safetensors, DESIGN "Feature cache"). */
export { cacheFormat, type CacheMetadata } from './cache-format.js';
export { openFeatureCache, type FeatureCache, type FeatureCacheInfo } from './cache-reader.js';
export { createFeatureCacheWriter, nameWriteFailures, type CacheDtype, type FeatureCacheWriter } from './cache-writer.js';
export { SafetensorsFile } from './safetensors.js';
