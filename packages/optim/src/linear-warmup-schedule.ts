import { checkInteger, checkNumber, invalidArgument } from '@selfsup/core';
import { linspace } from './linspace.js';
import { arraySchedule, type FiniteSchedule } from './schedule.js';

/** Options of {@link linearWarmupSchedule}; iBOT's argument names are given. */
export interface LinearWarmupScheduleOptions {
  /** The first value (`warmup_teacher_temp`). */
  warmupValue: number;
  /** The value reached at the end of the warm-up and kept afterwards (`teacher_temp`). */
  value: number;
  /** Steps (usually epochs) of the warm-up, `warmupValue` and `value` both included (`warmup_teacher_temp_epochs`). */
  warmupLength: number;
  /** Total steps (usually epochs) covered (`nepochs`). */
  length: number;
}

/**
 * A linear warm-up then a constant: DINO's and iBOT's teacher-temperature schedule, one value per
 * epoch, `concatenate(linspace(warmupValue, value, warmupLength), ones(length - warmupLength) * value)`.
 *
 * @example
 * ```ts
 * // iBOT: teacher temperature 0.04 -> 0.07 over 30 epochs, 100 epochs in all
 * const teacherTemperature = linearWarmupSchedule({ warmupValue: 0.04, value: 0.07, warmupLength: 30, length: 100 });
 * teacherTemperature.at(epoch);
 * ```
 */
export function linearWarmupSchedule(options: LinearWarmupScheduleOptions): FiniteSchedule {
  const warmupValue = checkNumber('linearWarmupSchedule(options.warmupValue)', options.warmupValue);
  const value = checkNumber('linearWarmupSchedule(options.value)', options.value);
  const length = checkInteger('linearWarmupSchedule(options.length)', options.length, 1);
  const warmupLength = checkInteger('linearWarmupSchedule(options.warmupLength)', options.warmupLength, 0);
  if (warmupLength > length) {
    throw invalidArgument({
      argument: 'linearWarmupSchedule(options.warmupLength)',
      expected: `at most options.length (${length})`,
      actual: warmupLength,
      fix: 'Shorten the warm-up or lengthen the run.',
    });
  }
  const values = new Float64Array(length).fill(value);
  values.set(linspace(warmupValue, value, warmupLength), 0);
  return arraySchedule(values, 'linearWarmupSchedule');
}
