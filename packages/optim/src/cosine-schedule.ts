import { checkInteger, checkNumber, invalidArgument } from '@selfsup/core';
import { linspace } from './linspace.js';
import { arraySchedule, type FiniteSchedule } from './schedule.js';

/** Options of {@link cosineSchedule}; the names of iBOT's `utils.cosine_scheduler` arguments are given. */
export interface CosineScheduleOptions {
  /** The value at the end of the warm-up, where the cosine starts (`base_value`). */
  baseValue: number;
  /** The value the cosine decays (or grows) towards, reached one step after the end (`final_value`). */
  finalValue: number;
  /** The training length in epochs (`epochs`). */
  epochs: number;
  /** Iterations in one epoch (`niter_per_ep`). */
  iterationsPerEpoch: number;
  /**
   * Epochs of linear warm-up from `startWarmupValue` to `baseValue` (`warmup_epochs`).
   * @defaultValue 0
   */
  warmupEpochs?: number;
  /**
   * The first value of the warm-up (`start_warmup_value`).
   * @defaultValue 0
   */
  startWarmupValue?: number;
  /**
   * Warm-up length in iterations, replacing `warmupEpochs * iterationsPerEpoch` when given
   * (BEiT's `warmup_steps`).
   * @defaultValue warmupEpochs * iterationsPerEpoch
   */
  warmupIterations?: number;
}

/**
 * Linear warm-up followed by a half-cosine, one value per iteration: the learning-rate,
 * weight-decay and teacher-momentum schedule of DINO and iBOT (`utils.cosine_scheduler`).
 *
 * The first `W = warmupEpochs * iterationsPerEpoch` values rise linearly from `startWarmupValue`
 * to `baseValue`, both included (`numpy.linspace`). The remaining `K = epochs * iterationsPerEpoch - W`
 * values follow `finalValue + (baseValue - finalValue) * (1 + cos(pi * i / K)) / 2` for
 * `i = 0 .. K-1`: they start at `baseValue` and stop one step short of `finalValue`.
 *
 * @example
 * ```ts
 * // iBOT ViT-S/16: lr 5e-4 * batch / 256, 10 warm-up epochs, 100 epochs
 * const learningRate = cosineSchedule({
 *   baseValue: 5e-4, finalValue: 1e-6, epochs: 100, iterationsPerEpoch: 1251, warmupEpochs: 10,
 * });
 * learningRate.at(0); // 0
 * ```
 */
export function cosineSchedule(options: CosineScheduleOptions): FiniteSchedule {
  const baseValue = checkNumber('cosineSchedule(options.baseValue)', options.baseValue);
  const finalValue = checkNumber('cosineSchedule(options.finalValue)', options.finalValue);
  const epochs = checkInteger('cosineSchedule(options.epochs)', options.epochs, 1);
  const iterationsPerEpoch = checkInteger('cosineSchedule(options.iterationsPerEpoch)', options.iterationsPerEpoch, 1);
  const warmupEpochs = checkInteger('cosineSchedule(options.warmupEpochs)', options.warmupEpochs ?? 0, 0);
  const startWarmupValue = checkNumber('cosineSchedule(options.startWarmupValue)', options.startWarmupValue ?? 0);
  const total = epochs * iterationsPerEpoch;
  const warmupIterations =
    options.warmupIterations === undefined
      ? warmupEpochs * iterationsPerEpoch
      : checkInteger('cosineSchedule(options.warmupIterations)', options.warmupIterations, 0);
  if (warmupIterations > total) {
    throw invalidArgument({
      argument: 'cosineSchedule(options.warmupEpochs)',
      expected: `a warm-up no longer than the run (${epochs} epochs x ${iterationsPerEpoch} iterations = ${total})`,
      actual: options.warmupIterations ?? warmupEpochs,
      fix: 'Shorten the warm-up or lengthen the run.',
    });
  }
  const values = new Float64Array(total);
  values.set(linspace(startWarmupValue, baseValue, warmupIterations), 0);
  const cosineLength = total - warmupIterations;
  for (let i = 0; i < cosineLength; i++) {
    // the same operation order as numpy: pi * i first, then / K
    values[warmupIterations + i] =
      finalValue + 0.5 * (baseValue - finalValue) * (1 + Math.cos((Math.PI * i) / cosineLength));
  }
  return arraySchedule(values, 'cosineSchedule');
}
