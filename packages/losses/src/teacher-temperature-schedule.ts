import { checkInteger, checkOptions, checkPositive, invalidArgument } from '@selfsup/core';
import { cosineSchedule } from '@selfsup/optim';

/**
 * Options of {@link teacherTemperatureSchedule}. Values are DINO/iBOT's defaults where they have one.
 *
 * @deprecated Use `cosineSchedule` of `@selfsup/optim`; see {@link teacherTemperatureSchedule}.
 */
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
  /** Epochs of training: the table's length. */
  epochs: number;
  /**
   * Epochs held at `warmupTemperature` before the warm-up starts: iBOT's `mim_start_epoch` for the
   * patch temperature (`teacher_temp2_schedule`). 0 for the [CLS] temperature.
   * @defaultValue 0
   */
  startEpoch?: number;
}

/**
 * A table of values, one per **epoch**: `at(epoch)`. It is not a `Schedule` (those are counted
 * in iterations), so recipes and optimizers refuse it.
 *
 * @deprecated Returned by the deprecated {@link teacherTemperatureSchedule} only.
 */
export interface TeacherTemperatureTable {
  readonly unit: 'epoch';
  /** Epochs in the table. */
  readonly length: number;
  /** Every epoch's temperature, in order. */
  readonly values: readonly number[];
  /** The temperature of an epoch (the last one beyond the end). */
  at(epoch: number): number;
}

/**
 * The teacher temperature per epoch in DINO and iBOT: `startEpoch` epochs at `warmupTemperature`,
 * then a linear ramp over `warmupEpochs` epochs from `warmupTemperature` to `temperature` (both
 * ends included), then `temperature`, as a table read by epoch.
 *
 * @deprecated Schedules are counted in iterations, and recipes read them at `context.iteration`.
 * The same temperatures, held for every iteration of their epoch, come from the one schedule
 * curve of `@selfsup/optim`:
 * ```ts
 * cosineSchedule({
 *   baseValue: temperature, finalValue: temperature, startWarmupValue: warmupTemperature,
 *   warmupEpochs, holdEpochs: startEpoch, epochs, iterationsPerEpoch, updateEvery: 'epoch',
 * });
 * ```
 * Pass that to `createIbotRecipe`/`createDinoRecipe`; they refuse this table.
 */
export function teacherTemperatureSchedule(options: TeacherTemperatureScheduleOptions): TeacherTemperatureTable {
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
  // one iteration per epoch: the curve's values are the table
  const perEpoch = cosineSchedule({
    baseValue: temperature,
    finalValue: temperature,
    startWarmupValue: warmupTemperature,
    warmupEpochs,
    holdEpochs: startEpoch,
    epochs,
    iterationsPerEpoch: 1,
    updateEvery: 'epoch',
  });
  const values = Array.from(perEpoch.values());
  return {
    unit: 'epoch',
    length: epochs,
    values,
    at(epoch: number): number {
      checkInteger(`${where}.at(epoch)`, epoch, 0);
      return values[Math.min(epoch, epochs - 1)]!;
    },
  };
}
