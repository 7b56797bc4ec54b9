import type { Schedule } from '@selfsup/core';
import { cosineSchedule } from '@selfsup/optim';
import type { IbotConfig } from './ibot-config.js';
import { checkIterationsPerEpoch } from '../check-iterations-per-epoch.js';

/**
 * iBOT's teacher temperatures (`teacher_temp_schedule`, `teacher_temp2_schedule`), counted in
 * iterations like every schedule and changing once per epoch as iBOT reads them
 * (`teacher_temp_schedule[epoch]`): the [CLS] one warms up from epoch 0, the patch one after
 * `masking.startEpoch` epochs (`mim_start_epoch`), each warm-up capped at the run length.
 *
 * @param iterationsPerEpoch - steps per epoch (the data loader's `batchesPerEpoch`).
 * @example
 * ```ts
 * const { classTemperature, patchTemperature } = ibotTeacherTemperatures(config, loader.batchesPerEpoch);
 * classTemperature.at(iteration); // 0.04 in epoch 0
 * ```
 */
export function ibotTeacherTemperatures(
  config: Pick<IbotConfig, 'loss' | 'epochs' | 'masking'>,
  iterationsPerEpoch: number,
): { classTemperature: Schedule; patchTemperature: Schedule } {
  checkIterationsPerEpoch('ibotTeacherTemperatures', iterationsPerEpoch);
  const l = config.loss;
  const run = { epochs: config.epochs, iterationsPerEpoch, updateEvery: 'epoch' } as const;
  return {
    classTemperature: cosineSchedule({
      ...run,
      baseValue: l.teacherTemperature,
      finalValue: l.teacherTemperature,
      startWarmupValue: l.warmupTeacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs),
    }),
    patchTemperature: cosineSchedule({
      ...run,
      baseValue: l.patchTeacherTemperature,
      finalValue: l.patchTeacherTemperature,
      startWarmupValue: l.warmupPatchTeacherTemperature,
      holdEpochs: config.masking.startEpoch,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs - config.masking.startEpoch),
    }),
  };
}
