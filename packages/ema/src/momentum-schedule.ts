import { checkInteger, checkNumber, type Schedule } from '@selfsup/core';
import { cosineSchedule } from '@selfsup/optim';

/**
 * Options of {@link momentumSchedule}.
 *
 * @deprecated Use `cosineSchedule` of `@selfsup/optim`; see {@link momentumSchedule}.
 */
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
 * The teacher momentum of DINO and iBOT, per iteration: a half cosine from `base` towards `final`,
 * `m(i) = final + (base - final) * (1 + cos(pi * i / totalSteps)) / 2`, the official
 * `cosine_scheduler(base, final, epochs, niter_per_ep)` without warm-up.
 *
 * @deprecated The one schedule curve gives the same values:
 * `cosineSchedule({ baseValue: base, finalValue: final, iterations: totalSteps })`, or with
 * `epochs` and `iterationsPerEpoch` instead of `iterations` (`@selfsup/optim`).
 */
export function momentumSchedule(options: MomentumScheduleOptions): Schedule {
  const base = checkNumber('momentumSchedule(options.base)', options.base ?? 0.996, 0, 1);
  const final = checkNumber('momentumSchedule(options.final)', options.final ?? 1, 0, 1);
  const totalSteps = checkInteger('momentumSchedule(options.totalSteps)', options.totalSteps, 1);
  return cosineSchedule({ baseValue: base, finalValue: final, iterations: totalSteps });
}
