import { checkInteger, invalidArgument } from '@selfsup/core';
import { arraySchedule, type FiniteSchedule } from './schedule.js';

/**
 * Each value of `values` repeated `times` times, in order: `[a, b]` twice is `[a, a, b, b]`.
 *
 * @internal The expansion behind {@link perEpoch} and `cosineSchedule({ updateEvery: 'epoch' })`.
 */
export function repeatEach(values: Float64Array, times: number): Float64Array {
  const out = new Float64Array(values.length * times);
  for (let i = 0; i < values.length; i++) out.fill(values[i]!, i * times, (i + 1) * times);
  return out;
}

/**
 * A schedule counted in iterations from values that change once per epoch: every iteration of
 * epoch `e` gets `epochValues[e]`, so `at(iteration)` is `epochValues[floor(iteration /
 * iterationsPerEpoch)]`, which is what iBOT reads with `teacher_temp_schedule[epoch]`, or a
 * PyTorch scheduler stepped once per epoch. Its length is `epochValues.length *
 * iterationsPerEpoch`; beyond the end, `at` gives the last value.
 *
 * @param epochValues - One value per epoch, in order (at least one). Copied. Not a schedule: a
 *   schedule is already counted in iterations.
 * @param iterationsPerEpoch - Iterations in one epoch (the data loader's `batchesPerEpoch`).
 * @example
 * ```ts
 * // a learning rate divided by 10 after epoch 1, for a run of 3 epochs of 500 iterations
 * const learningRate = perEpoch([0.1, 0.1, 0.01], 500);
 * learningRate.at(999); // 0.1 (epoch 1)
 * learningRate.at(1000); // 0.01 (epoch 2)
 * ```
 */
export function perEpoch(epochValues: readonly number[] | Float64Array, iterationsPerEpoch: number): FiniteSchedule {
  const where = 'perEpoch';
  if (!Array.isArray(epochValues) && !(epochValues instanceof Float64Array)) {
    throw invalidArgument({
      argument: `${where}(epochValues)`,
      expected: 'an array of values, one per epoch',
      actual: epochValues,
      fix: 'A Schedule is already counted in iterations: pass the values per epoch themselves (an array or a Float64Array).',
    });
  }
  const ipe = checkInteger(`${where}(iterationsPerEpoch)`, iterationsPerEpoch, 1);
  const values = Float64Array.from(epochValues);
  if (values.length === 0) {
    throw invalidArgument({ argument: `${where}(epochValues)`, expected: 'at least one value', actual: 0 });
  }
  values.forEach((value, epoch) => {
    if (!Number.isFinite(value)) {
      throw invalidArgument({ argument: `${where}(epochValues[${epoch}])`, expected: 'a finite number', actual: epochValues[epoch] });
    }
  });
  return arraySchedule(repeatEach(values, ipe), where);
}
