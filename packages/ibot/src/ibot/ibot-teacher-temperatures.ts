import type { Schedule } from '@selfsup/core';
import { teacherTemperatureSchedule } from '@selfsup/losses';
import type { IbotConfig } from './ibot-config.js';

/**
 * iBOT's teacher temperatures per epoch (`teacher_temp_schedule`, `teacher_temp2_schedule`): the
 * [CLS] one warms up from epoch 0, the patch one from `masking.startEpoch` (`mim_start_epoch`),
 * each warm-up capped at the run length.
 *
 * @example
 * ```ts
 * const { classTemperature, patchTemperature } = ibotTeacherTemperatures(config);
 * classTemperature.at(epoch); // 0.04
 * ```
 */
export function ibotTeacherTemperatures(config: Pick<IbotConfig, 'loss' | 'epochs' | 'masking'>): { classTemperature: Schedule; patchTemperature: Schedule } {
  const l = config.loss;
  return {
    classTemperature: teacherTemperatureSchedule({
      warmupTemperature: l.warmupTeacherTemperature,
      temperature: l.teacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs),
      epochs: config.epochs,
    }),
    patchTemperature: teacherTemperatureSchedule({
      warmupTemperature: l.warmupPatchTeacherTemperature,
      temperature: l.patchTeacherTemperature,
      warmupEpochs: Math.min(l.warmupTeacherTemperatureEpochs, config.epochs - config.masking.startEpoch),
      epochs: config.epochs,
      startEpoch: config.masking.startEpoch,
    }),
  };
}
