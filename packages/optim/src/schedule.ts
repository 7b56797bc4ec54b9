import { checkNumber, invalidArgument, type Schedule } from '@selfsup/core';

/**
 * A {@link Schedule} with a finite list of values, one per iteration, computed once in float64
 * when the schedule is made, as iBOT and DINO precompute their numpy arrays. Values that change
 * once per epoch are stored once per iteration too (see `perEpoch`).
 *
 * As the `Schedule` contract of `@selfsup/core` says, `at(iteration)` beyond the end gives the
 * last value; a negative or fractional iteration throws.
 */
export interface FiniteSchedule extends Schedule {
  readonly unit: 'iteration';
  /** Every value, one per iteration, in order (a copy). */
  values(): Float64Array;
}

function checkIteration(label: string, iteration: number): void {
  if (!Number.isInteger(iteration) || iteration < 0) {
    throw invalidArgument({
      argument: `${label}.at(iteration)`,
      expected: 'an integer >= 0',
      actual: iteration,
      fix: 'Pass the global iteration (epoch * iterationsPerEpoch + step in the epoch).',
    });
  }
}

class ArraySchedule implements FiniteSchedule {
  readonly unit = 'iteration';
  readonly length: number;
  readonly #values: Float64Array;
  readonly #label: string;

  constructor(values: Float64Array, label: string) {
    if (values.length === 0) {
      throw invalidArgument({ argument: label, expected: 'at least one value', actual: 0 });
    }
    this.#values = values;
    this.length = values.length;
    this.#label = label;
  }

  at(iteration: number): number {
    checkIteration(this.#label, iteration);
    return this.#values[Math.min(iteration, this.length - 1)]!;
  }

  values(): Float64Array {
    return this.#values.slice();
  }
}

/**
 * Wraps precomputed values (one per iteration) as a schedule: for schedules of your own, or
 * values restored from a checkpoint. Beyond the end, `at` gives the last value.
 *
 * @param values - The value of every iteration, in order (at least one). Copied.
 * @param label - The name used in error messages.
 * @example
 * ```ts
 * const steps = scheduleFromValues([1e-3, 1e-3, 1e-4]);
 * steps.at(2); // 1e-4
 * steps.at(9); // 1e-4 (the last value)
 * ```
 */
export function scheduleFromValues(values: ArrayLike<number>, label = 'scheduleFromValues'): FiniteSchedule {
  const copy = Float64Array.from(values);
  for (let i = 0; i < copy.length; i++) {
    if (!Number.isFinite(copy[i]!)) {
      throw invalidArgument({ argument: `${label}(values[${i}])`, expected: 'a finite number', actual: values[i] });
    }
  }
  return new ArraySchedule(copy, label);
}

/**
 * The same value at every iteration (`length` is `Infinity`).
 *
 * @param value - The value.
 * @example
 * ```ts
 * const weightDecay = constantSchedule(0.05);
 * weightDecay.at(123_456); // 0.05
 * ```
 */
export function constantSchedule(value: number): Schedule {
  checkNumber('constantSchedule(value)', value);
  return {
    unit: 'iteration',
    length: Number.POSITIVE_INFINITY,
    at(iteration: number): number {
      checkIteration('constantSchedule', iteration);
      return value;
    },
  };
}

/**
 * A number becomes a {@link constantSchedule}; a schedule is returned as it is. A table of
 * per-epoch values (`unit: 'epoch'`, as the deprecated `teacherTemperatureSchedule` of
 * `@selfsup/losses` returns) is refused: every schedule is counted in iterations.
 *
 * @example
 * ```ts
 * toSchedule(1e-3).at(10); // 1e-3
 * ```
 */
export function toSchedule(value: number | Schedule, label = 'toSchedule(value)'): Schedule {
  if (typeof value === 'number') {
    checkNumber(label, value);
    return constantSchedule(value);
  }
  if (value === null || typeof value !== 'object' || typeof value.at !== 'function' || typeof value.length !== 'number') {
    throw invalidArgument({ argument: label, expected: 'a number or a Schedule', actual: value });
  }
  const unit = (value as { unit?: unknown }).unit;
  if (unit !== undefined && unit !== 'iteration') {
    throw invalidArgument({
      argument: label,
      expected: 'a Schedule counted in iterations',
      actual: `a table of values per ${String(unit)}`,
      fix:
        'Expand it to iterations: perEpoch(table.values, iterationsPerEpoch), or build it with ' +
        "cosineSchedule({ ..., epochs, iterationsPerEpoch, updateEvery: 'epoch' }) (@selfsup/optim).",
    });
  }
  return value;
}

/** @internal Builds an array schedule without re-validating values computed here. */
export function arraySchedule(values: Float64Array, label: string): FiniteSchedule {
  return new ArraySchedule(values, label);
}
