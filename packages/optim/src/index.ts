export type { Schedule } from '@selfsup/core';
export { constantSchedule, scheduleFromValues, toSchedule, type FiniteSchedule } from './schedule.js';
export { linspace } from './linspace.js';
export { cosineSchedule, type CosineScheduleOptions, type ScheduleUpdate } from './cosine-schedule.js';
export { perEpoch } from './per-epoch.js';
export { linearSchedule, type LinearScheduleOptions } from './linear-schedule.js';
export { linearWarmupSchedule, type LinearWarmupScheduleOptions } from './linear-warmup-schedule.js';
export {
  createParameterGroups,
  isBiasOrOneDimensional,
  vitLayerIndex,
  type ParameterGroup,
  type ParameterGroupsOptions,
  type LayerDecayOptions,
} from './parameter-groups.js';
export {
  createAdamW,
  type AdamW,
  type AdamWOptions,
  type AdamWStepInfo,
  type AdamWState,
  type AdamWParameterState,
} from './adamw.js';
export { createScheduledAdamW, type ScheduledAdamWSettings, type RunLength } from './scheduled-adamw.js';
export type { Gradients } from './gradients.js';
export { clipGradientsPerParameter, type PerParameterClipResult } from './clip-gradients-per-parameter.js';
export { clipGradientsByGlobalNorm, type GlobalNormClipResult } from './clip-gradients-by-global-norm.js';
export { cancelGradientsLastLayer } from './cancel-gradients-last-layer.js';
export { createGradientAccumulator, type GradientAccumulator } from './gradient-accumulator.js';
