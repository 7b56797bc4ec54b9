import { checkInteger, checkNumber } from '@selfsup/core';
import { linspace } from './linspace.js';
import { arraySchedule, type FiniteSchedule } from './schedule.js';

/** Options of {@link linearSchedule}. */
export interface LinearScheduleOptions {
  /** The value at iteration 0. */
  start: number;
  /** The value at the last iteration (`length - 1`). */
  end: number;
  /** How many iterations the schedule covers. */
  length: number;
}

/**
 * Values evenly spaced from `start` to `end`, both included: `numpy.linspace(start, end, length)`.
 *
 * @example
 * ```ts
 * linearSchedule({ start: 0, end: 1, length: 5 }).values(); // [0, 0.25, 0.5, 0.75, 1]
 * ```
 */
export function linearSchedule(options: LinearScheduleOptions): FiniteSchedule {
  const start = checkNumber('linearSchedule(options.start)', options.start);
  const end = checkNumber('linearSchedule(options.end)', options.end);
  const length = checkInteger('linearSchedule(options.length)', options.length, 1);
  return arraySchedule(linspace(start, end, length), 'linearSchedule');
}
