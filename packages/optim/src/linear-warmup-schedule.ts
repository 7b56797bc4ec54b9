import { checkInteger, checkNumber, invalidArgument } from '@selfsup/core';
import { cosineSchedule } from './cosine-schedule.js';
import type { FiniteSchedule } from './schedule.js';

/**
 * Options of {@link linearWarmupSchedule}; iBOT's argument names are given.
 *
 * @deprecated Use {@link cosineSchedule} with `finalValue` equal to `baseValue`; see
 * {@link linearWarmupSchedule}.
 */
export interface LinearWarmupScheduleOptions {
  /** The first value (`warmup_teacher_temp`). */
  warmupValue: number;
  /** The value reached at the end of the warm-up and kept afterwards (`teacher_temp`). */
  value: number;
  /** Iterations of the warm-up, `warmupValue` and `value` both included. */
  warmupLength: number;
  /** Iterations covered. */
  length: number;
}

/**
 * A linear warm-up then a constant, one value per iteration:
 * `concatenate(linspace(warmupValue, value, warmupLength), ones(length - warmupLength) * value)`.
 *
 * @deprecated The same values come from the one schedule curve, with lengths whose unit is in
 * their names: `cosineSchedule({ baseValue: value, finalValue: value, startWarmupValue:
 * warmupValue, warmupIterations: warmupLength, iterations: length })`. For a value per epoch
 * (DINO's and iBOT's teacher temperature), give `warmupEpochs`, `epochs`, `iterationsPerEpoch`
 * and `updateEvery: 'epoch'` instead.
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
  return cosineSchedule({ baseValue: value, finalValue: value, startWarmupValue: warmupValue, warmupIterations: warmupLength, iterations: length });
}
