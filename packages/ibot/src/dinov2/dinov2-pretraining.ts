import { cosineSchedule } from '@selfsup/optim';
import type { ImageBatch, Pretraining } from '../pretraining.js';
import { createIbotPretraining } from '../ibot/ibot-pretraining.js';
import { ibotTeacherTemperatures } from '../ibot/ibot-teacher-temperatures.js';
import { dinov2ConfigSchema, type Dinov2Config, type Dinov2ConfigInput } from './dinov2-config.js';
import { createDinov2StyleRecipe, type Dinov2StyleRecipe } from './dinov2-recipe.js';
import { parseConfig } from '../parse-config.js';
import { checkIterationsPerEpoch } from '../check-iterations-per-epoch.js';

/** Everything `train()` of `@selfsup/train` needs to pretrain iBOT with DINOv2's additions. */
export interface Dinov2StylePretraining extends Pretraining<Dinov2Config> {
  readonly recipe: Dinov2StyleRecipe<ImageBatch>;
}

/**
 * An iBOT pretraining with DINOv2's additions (`dinov2` section): Sinkhorn-Knopp centring, the
 * KoLeo regulariser and, by default, a separate patch head. Everything else (networks, views,
 * masks, schedules, AdamW, clipping, freezing) is `createIbotPretraining`'s.
 *
 * @example
 * ```ts
 * const run = createDinov2StylePretraining(DINOV2_FASHION_MNIST_REFERENCE, loader.batchesPerEpoch);
 * ```
 */
export function createDinov2StylePretraining(input: Dinov2ConfigInput | Dinov2Config, iterationsPerEpoch: number): Dinov2StylePretraining {
  const config = parseConfig(dinov2ConfigSchema, input, 'DINOv2-style configuration');
  checkIterationsPerEpoch('createDinov2StylePretraining', iterationsPerEpoch);
  const { dinov2, ...ibotConfig } = config;
  const ibot = createIbotPretraining(ibotConfig, iterationsPerEpoch);
  const { classTemperature, patchTemperature } = ibotTeacherTemperatures(config, iterationsPerEpoch);
  const recipe = createDinov2StyleRecipe(ibot.recipe, {
    ...dinov2,
    teacherTemperature: classTemperature,
    patchTeacherTemperature: patchTemperature,
    teacherMomentum: cosineSchedule({ baseValue: config.teacher.momentum, finalValue: config.teacher.finalMomentum, epochs: config.epochs, iterationsPerEpoch }),
  });
  return { ...ibot, method: 'dinov2', config, recipe };
}
