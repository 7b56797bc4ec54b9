import { checkInteger, checkNumber, checkOptions, type Parameter } from '@selfsup/core';
import { createAdamW, type AdamW } from './adamw.js';
import { cosineSchedule } from './cosine-schedule.js';
import { createParameterGroups, type ParameterGroupsOptions } from './parameter-groups.js';

/** The optimizer settings {@link createScheduledAdamW} reads (the `optimizer` section of a config). */
export interface ScheduledAdamWSettings {
  /** Base learning rate for a batch of 256 (linear scaling rule). */
  readonly learningRate: number;
  /** The learning rate the cosine decays to. */
  readonly minLearningRate: number;
  /** Epochs of linear warm-up from 0 (capped at the run length). */
  readonly warmupEpochs: number;
  /** Weight decay at the start of the cosine. */
  readonly weightDecay: number;
  /** Weight decay at the end (equal to `weightDecay` for a constant one). */
  readonly weightDecayEnd: number;
  readonly betas: readonly [number, number];
  readonly eps: number;
}

/** The length of a run, as {@link createScheduledAdamW} needs it. */
export interface RunLength {
  readonly batchSize: number;
  readonly epochs: number;
  readonly iterationsPerEpoch: number;
}

/**
 * AdamW over `parameters` with the official parameter groups (no weight decay on biases and 1-D
 * tensors) and the schedules of DINO, iBOT and BEiT, one value per iteration: the learning rate
 * `learningRate * batchSize / 256` (linear scaling rule) reached after a linear warm-up from 0, then
 * a cosine to `minLearningRate`; the weight decay a cosine from `weightDecay` to `weightDecayEnd`.
 * `groups` changes the grouping (e.g. BEiT also exempts `pos_embed` and `cls_token` from decay).
 *
 * @example
 * ```ts
 * const optimizer = createScheduledAdamW(recipe.trainableParameters(), config.optimizer, {
 *   batchSize: config.batchSize, epochs: config.epochs, iterationsPerEpoch,
 * });
 * ```
 */
export function createScheduledAdamW(
  parameters: readonly Parameter[],
  o: ScheduledAdamWSettings,
  run: RunLength,
  groups: ParameterGroupsOptions = {},
): AdamW {
  checkOptions('createScheduledAdamW(settings)', o);
  checkOptions('createScheduledAdamW(run)', run);
  for (const key of ['learningRate', 'minLearningRate', 'warmupEpochs', 'weightDecay', 'weightDecayEnd'] as const) {
    checkNumber(`createScheduledAdamW(settings.${key})`, o[key], 0);
  }
  const batchSize = checkInteger('createScheduledAdamW(run.batchSize)', run.batchSize, 1);
  const epochs = checkInteger('createScheduledAdamW(run.epochs)', run.epochs, 1);
  const iterationsPerEpoch = checkInteger('createScheduledAdamW(run.iterationsPerEpoch)', run.iterationsPerEpoch, 1);
  return createAdamW({
    groups: createParameterGroups(parameters, groups),
    learningRate: cosineSchedule({
      baseValue: (o.learningRate * batchSize) / 256,
      finalValue: o.minLearningRate,
      epochs,
      iterationsPerEpoch,
      warmupEpochs: Math.min(o.warmupEpochs, epochs),
    }),
    weightDecay: cosineSchedule({ baseValue: o.weightDecay, finalValue: o.weightDecayEnd, epochs, iterationsPerEpoch }),
    betas: o.betas,
    eps: o.eps,
  });
}
