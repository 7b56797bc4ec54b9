// The Node-only part of @selfsup/train (`@selfsup/train/node`): the training loop and everything that
// touches the file system or node:crypto — checkpoint files, atomic writes, the run lock, the metrics
// writer. It re-exports the browser-safe root and `/checkpoint` entries, so a Node program can import
// everything from here.
export * from './index.js';
export {
  train,
  type TrainOptions,
  type TrainResult,
  type TrainOptimizer,
  type TrainCheckpointOptions,
  type BatchSource,
} from './train.js';
export { saveCheckpoint, type SaveCheckpointOptions, type SavedCheckpoint } from './save-checkpoint.js';
export { loadCheckpoint, readCheckpoint, type LoadCheckpointOptions } from './load-checkpoint.js';
export { writeFileAtomic } from './atomic-write.js';
export { acquireRunLock, RUN_LOCK_FILE, type AcquireRunLockOptions, type RunLock, type RunLockOwner } from './run-lock.js';
export { latestCheckpoint, listCheckpoints, checkpointFileName, LATEST_FILE, type LatestCheckpointRecord } from './latest-checkpoint.js';
export * from './checkpoint.js';
export { createMetricsWriter, type MetricsRecord, type MetricsWriter, type MetricsWriterOptions } from './metrics-writer.js';
