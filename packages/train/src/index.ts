export {
  trainStep,
  trainStepAccumulated,
  type StepOptimizer,
  type StepResult,
  type TrainStepOptions,
  type GradientOptions,
  type FreezeRule,
} from './train-step.js';
export {
  train,
  type TrainOptions,
  type TrainResult,
  type TrainOptimizer,
  type TrainCheckpointOptions,
  type BatchSource,
} from './train.js';
export { stepRng, stepSeed } from './step-rng.js';
export { saveCheckpoint, type SaveCheckpointOptions, type SavedCheckpoint } from './save-checkpoint.js';
export { loadCheckpoint, readCheckpoint, type LoadCheckpointOptions } from './load-checkpoint.js';
export { writeFileAtomic } from './atomic-write.js';
export { acquireRunLock, RUN_LOCK_FILE, type AcquireRunLockOptions, type RunLock, type RunLockOwner } from './run-lock.js';
export type { DivergenceOptions } from './divergence-guard.js';
export { latestCheckpoint, listCheckpoints, checkpointFileName, LATEST_FILE, type LatestCheckpointRecord } from './latest-checkpoint.js';
export {
  CHECKPOINT_FORMAT,
  checkpointMetadataSchema,
  decodeCheckpoint,
  encodeCheckpoint,
  modelFingerprint,
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointOptimizer,
  type CheckpointRecipe,
} from './checkpoint-format.js';
export { createMetricsWriter, type MetricsRecord, type MetricsWriter, type MetricsWriterOptions } from './metrics-writer.js';
export {
  createProgress,
  formatDuration,
  type Progress,
  type ProgressMode,
  type ProgressOptions,
  type ProgressRun,
  type ProgressStream,
} from './progress.js';
