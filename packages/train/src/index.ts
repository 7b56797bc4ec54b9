// The browser-safe entry of @selfsup/train: the training step, step seeds and progress. The loop,
// checkpoint files and metrics writer need the file system: they are in `@selfsup/train/node`.
export {
  trainStep,
  trainStepAccumulated,
  type StepOptimizer,
  type StepResult,
  type TrainStepOptions,
  type GradientOptions,
  type FreezeRule,
} from './train-step.js';
export { stepRng, stepSeed } from './step-rng.js';
export type { DivergenceOptions } from './divergence-guard.js';
export {
  createProgress,
  formatDuration,
  type Progress,
  type ProgressMode,
  type ProgressOptions,
  type ProgressRun,
  type ProgressStream,
} from './progress.js';
