/** Batch stage: many videos through `track`, resumable and shardable. */
export { expandInputs, getOutputNames, parseShard, selectShard, videoExtensions, withoutOutputs } from './inputs.js';
export { bookkeepingName, getRecordPath, hashOptions, isBatchRecordedOutput, listRecords, type DoneRecord } from './manifest.js';
export { runBatch, type BatchOptions, type BatchResult, type BatchRun, type VideoProgress } from './run-batch.js';
