import { checkInteger, checkNumber, type Schedule } from '@selfsup/core';

/** Options of {@link momentumSchedule}. */
export interface MomentumScheduleOptions {
  /**
   * The momentum at the first iteration.
   * @defaultValue 0.996 (DINO/iBOT's `momentum_teacher`)
   */
  base?: number;
  /**
   * The value the cosine approaches at the end.
   * @defaultValue 1
   */
  final?: number;
  /** Iterations of training (`epochs * iterations per epoch`): the schedule's length. */
  totalSteps: number;
}

/**
 * The teacher momentum of DINO and iBOT: a half cosine from `base` towards `final` over the
 * iterations, `m(i) = final + (base - final) * (1 + cos(pi * i / totalSteps)) / 2`, so the teacher
 * follows the student less and less. Exactly the official `cosine_scheduler(base, final, epochs,
 * niter_per_ep)` without warm-up (whose last value stops one step short of `final`).
 * `at(step)` clamps beyond the end.
 *
 * @example
 * ```ts
 * const momentum = momentumSchedule({ totalSteps: 100 * 500 }); // 100 epochs of 500 iterations
 * momentum.at(0); // 0.996
 * momentum.at(25_000); // 0.998
 * // teacher.update(student, momentum.at(step)) after each optimizer step
 * ```
 */
export function momentumSchedule(options: MomentumScheduleOptions): Schedule {
  const base = checkNumber('momentumSchedule(options.base)', options.base ?? 0.996, 0, 1);
  const final = checkNumber('momentumSchedule(options.final)', options.final ?? 1, 0, 1);
  const totalSteps = checkInteger('momentumSchedule(options.totalSteps)', options.totalSteps, 1);
  return {
    length: totalSteps,
    at(step: number): number {
      checkInteger('momentumSchedule.at(step)', step, 0);
      const i = Math.min(step, totalSteps - 1);
      return final + 0.5 * (base - final) * (1 + Math.cos((Math.PI * i) / totalSteps));
    },
  };
}
