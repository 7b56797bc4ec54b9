import { checkInteger, checkOptions, checkPositive, invalidArgument, type Schedule } from '@selfsup/core';

/** Options of {@link teacherTemperatureSchedule}. Values are DINO/iBOT's defaults where they have one. */
export interface TeacherTemperatureScheduleOptions {
  /**
   * The temperature at the start of the warm-up (and before it).
   * @defaultValue 0.04
   */
  warmupTemperature?: number;
  /** The temperature after the warm-up (0.04 to 0.07 in DINO/iBOT). */
  temperature: number;
  /** Epochs of the linear warm-up, counting its first and last value (`warmup_teacher_temp_epochs`; 30 in DINO/iBOT). */
  warmupEpochs: number;
  /** Epochs of training: the schedule's length. */
  epochs: number;
  /**
   * Epochs held at `warmupTemperature` before the warm-up starts: iBOT's `mim_start_epoch` for the
   * patch temperature (`teacher_temp2_schedule`). 0 for the [CLS] temperature.
   * @defaultValue 0
   */
  startEpoch?: number;
}

/** `count` values evenly spaced from `start` to `stop` inclusive, computed as NumPy's `linspace`. */
function linspace(start: number, stop: number, count: number): number[] {
  if (count <= 0) return [];
  if (count === 1) return [start];
  const step = (stop - start) / (count - 1);
  const values = Array.from({ length: count }, (_, i) => i * step + start);
  values[count - 1] = stop;
  return values;
}

/**
 * The teacher temperature per epoch in DINO and iBOT: `startEpoch` epochs at `warmupTemperature`,
 * then a linear ramp over `warmupEpochs` epochs from `warmupTemperature` to `temperature` (both
 * ends included), then `temperature`. A cold teacher early on keeps training from collapsing.
 * Values are computed exactly as the official NumPy schedule; `at(epoch)` clamps beyond the end.
 *
 * @example
 * ```ts
 * const cls = teacherTemperatureSchedule({ warmupTemperature: 0.04, temperature: 0.07, warmupEpochs: 4, epochs: 10 });
 * cls.at(0); cls.at(2); cls.at(9); // 0.04, 0.06, 0.07
 * const patch = teacherTemperatureSchedule({ temperature: 0.07, warmupEpochs: 4, epochs: 10, startEpoch: 2 });
 * patch.at(2); patch.at(5); // 0.04, 0.07
 * ```
 */
export function teacherTemperatureSchedule(options: TeacherTemperatureScheduleOptions): Schedule & { readonly values: readonly number[] } {
  const where = 'teacherTemperatureSchedule';
  checkOptions(`${where}(options)`, options);
  const warmupTemperature = checkPositive(`${where}(options.warmupTemperature)`, options.warmupTemperature ?? 0.04);
  const temperature = checkPositive(`${where}(options.temperature)`, options.temperature);
  const warmupEpochs = checkInteger(`${where}(options.warmupEpochs)`, options.warmupEpochs, 0);
  const epochs = checkInteger(`${where}(options.epochs)`, options.epochs, 1);
  const startEpoch = checkInteger(`${where}(options.startEpoch)`, options.startEpoch ?? 0, 0);
  if (startEpoch + warmupEpochs > epochs) {
    throw invalidArgument({
      argument: `${where}(options.epochs)`,
      expected: `at least startEpoch + warmupEpochs = ${startEpoch + warmupEpochs} epochs`,
      actual: epochs,
      fix: 'Shorten the warm-up or train for more epochs (the official schedule fails the same way).',
    });
  }
  const values = [
    ...Array.from({ length: startEpoch }, () => warmupTemperature),
    ...linspace(warmupTemperature, temperature, warmupEpochs),
    ...Array.from({ length: epochs - warmupEpochs - startEpoch }, () => temperature),
  ];
  return {
    length: epochs,
    values,
    at(epoch: number): number {
      checkInteger(`${where}.at(epoch)`, epoch, 0);
      return values[Math.min(epoch, epochs - 1)]!;
    },
  };
}
