// The browser-safe checkpoint entry of @selfsup/train (`@selfsup/train/checkpoint`): the checkpoint
// format, and encoding a recipe's state to bytes and loading bytes into it, with no file system.
// Files (saveCheckpoint, loadCheckpoint, readCheckpoint) are in `@selfsup/train/node`. Separate from
// the root entry because the metadata schema needs zod, which the training step does not.
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
export { captureCheckpoint, type CaptureCheckpointOptions, type CapturedCheckpoint } from './capture-checkpoint.js';
export { applyCheckpoint, type ApplyCheckpointOptions } from './apply-checkpoint.js';
