import { checkInteger, checkNumber, invalidArgument } from '@selfsup/core';
import { linspace } from './linspace.js';
import { repeatEach } from './per-epoch.js';
import { arraySchedule, type FiniteSchedule } from './schedule.js';

/**
 * How often a schedule's value changes. Either way the schedule is counted in iterations; with
 * `'epoch'` each epoch's value is held for all of its iterations.
 */
export type ScheduleUpdate = 'iteration' | 'epoch';

/**
 * Options of {@link cosineSchedule}; the names of iBOT's `utils.cosine_scheduler` and dinov2's
 * `CosineScheduler` arguments are given. Every length is given either in iterations or in epochs
 * (then multiplied by `iterationsPerEpoch`); the unit is in its name.
 */
export interface CosineScheduleOptions {
  /** The value at the end of the warm-up, where the cosine starts (`base_value`). */
  baseValue: number;
  /**
   * The value the cosine decays (or grows) towards, reached one step after the end (`final_value`).
   * Equal to `baseValue` for a warm-up followed by a constant (the teacher temperature).
   */
  finalValue: number;
  /**
   * The run's length in epochs (`epochs`); give it with `iterationsPerEpoch`, or give `iterations`.
   * @defaultValue iterations / iterationsPerEpoch
   */
  epochs?: number;
  /**
   * Iterations in one epoch (`niter_per_ep`): needed by every length given in epochs.
   * @defaultValue none
   */
  iterationsPerEpoch?: number;
  /**
   * The run's length in iterations (dinov2's `total_iters`), instead of `epochs * iterationsPerEpoch`.
   * @defaultValue epochs * iterationsPerEpoch
   */
  iterations?: number;
  /**
   * Epochs of linear warm-up from `startWarmupValue` to `baseValue` (`warmup_epochs`).
   * @defaultValue 0
   */
  warmupEpochs?: number;
  /**
   * Warm-up length in iterations (dinov2's `warmup_iters`, BEiT's `warmup_steps`); replaces
   * `warmupEpochs * iterationsPerEpoch` when given.
   * @defaultValue warmupEpochs * iterationsPerEpoch
   */
  warmupIterations?: number;
  /**
   * The first value of the warm-up, and the value held before it (`start_warmup_value`).
   * @defaultValue 0
   */
  startWarmupValue?: number;
  /**
   * Epochs held at `startWarmupValue` before the warm-up starts: iBOT's `mim_start_epoch` for the
   * patch temperature (`teacher_temp2_schedule`).
   * @defaultValue 0
   */
  holdEpochs?: number;
  /**
   * Hold length in iterations (dinov2's `freeze_iters`, which holds 0: the default
   * `startWarmupValue`); replaces `holdEpochs * iterationsPerEpoch` when given.
   * @defaultValue holdEpochs * iterationsPerEpoch
   */
  holdIterations?: number;
  /**
   * `true`: the warm-up is `numpy.linspace(startWarmupValue, baseValue, W)`, so its last value is
   * `baseValue` (DINO, iBOT, dinov2). `false`: step `i` of the warm-up is
   * `startWarmupValue + (baseValue - startWarmupValue) * i / W`, which reaches `baseValue` on the
   * first cosine step, and `W` may be fractional (MAE's `lr_sched`, timm): the cosine then runs on
   * `(step - W) / (length - W)`.
   * @defaultValue true
   */
  warmupIncludesBase?: boolean;
  /**
   * `'iteration'`: a new value every iteration. `'epoch'`: the curve is computed over the epochs
   * (lengths in epochs only) and each epoch's value is held for its iterations, as iBOT reads its
   * teacher temperature (`teacher_temp_schedule[epoch]`) or PyTorch steps a scheduler per epoch.
   * @defaultValue 'iteration'
   */
  updateEvery?: ScheduleUpdate;
}

/** The curve's lengths, in steps of the curve (iterations, or epochs with `updateEvery: 'epoch'`). */
interface CurveLengths {
  readonly steps: number;
  readonly hold: number;
  readonly warmup: number;
  /** Iterations per step of the curve: 1, or `iterationsPerEpoch` when it changes per epoch. */
  readonly repeat: number;
}

const where = 'cosineSchedule';

function iterationsPerEpochFor(o: CosineScheduleOptions, reason: string): number {
  if (o.iterationsPerEpoch === undefined) {
    throw invalidArgument({
      argument: `${where}(options.iterationsPerEpoch)`,
      expected: `an integer >= 1 (${reason})`,
      actual: undefined,
      fix: 'Pass iterationsPerEpoch (the data loader\'s batchesPerEpoch), or give the lengths in iterations.',
    });
  }
  return checkInteger(`${where}(options.iterationsPerEpoch)`, o.iterationsPerEpoch, 1);
}

/** A warm-up length in steps: an integer for `linspace`, any number >= 0 otherwise. */
function checkWarmup(argument: string, value: number, includesBase: boolean): number {
  return includesBase ? checkInteger(argument, value, 0) : checkNumber(argument, value, 0);
}

/** Lengths of a curve with a new value every iteration. */
function iterationLengths(o: CosineScheduleOptions, includesBase: boolean): CurveLengths {
  let steps: number;
  if (o.iterations !== undefined) {
    if (o.epochs !== undefined) {
      throw invalidArgument({
        argument: `${where}(options.iterations)`,
        expected: 'either options.iterations or options.epochs, not both',
        actual: o.iterations,
        fix: 'Give the run length once.',
      });
    }
    steps = checkInteger(`${where}(options.iterations)`, o.iterations, 1);
  } else {
    if (o.epochs === undefined) {
      throw invalidArgument({
        argument: `${where}(options.epochs)`,
        expected: 'the run length: options.epochs (with options.iterationsPerEpoch) or options.iterations',
        actual: undefined,
      });
    }
    const epochs = checkInteger(`${where}(options.epochs)`, o.epochs, 1);
    steps = epochs * iterationsPerEpochFor(o, 'the run is given in epochs');
  }
  const inIterations = (epochsKey: 'warmupEpochs' | 'holdEpochs', epochs: number | undefined): number =>
    epochs === undefined || epochs === 0 ? 0 : epochs * iterationsPerEpochFor(o, `options.${epochsKey} is in epochs`);
  const warmup =
    o.warmupIterations === undefined
      ? inIterations('warmupEpochs', checkWarmup(`${where}(options.warmupEpochs)`, o.warmupEpochs ?? 0, includesBase))
      : checkWarmup(`${where}(options.warmupIterations)`, o.warmupIterations, includesBase);
  const hold =
    o.holdIterations === undefined
      ? inIterations('holdEpochs', checkInteger(`${where}(options.holdEpochs)`, o.holdEpochs ?? 0, 0))
      : checkInteger(`${where}(options.holdIterations)`, o.holdIterations, 0);
  return { steps, hold, warmup, repeat: 1 };
}

/** Lengths of a curve with a new value every epoch. */
function epochLengths(o: CosineScheduleOptions, includesBase: boolean): CurveLengths {
  for (const key of ['iterations', 'warmupIterations', 'holdIterations'] as const) {
    if (o[key] !== undefined) {
      throw invalidArgument({
        argument: `${where}(options.${key})`,
        expected: "no length in iterations with updateEvery 'epoch'",
        actual: o[key],
        fix: `Give it in epochs (options.${key === 'iterations' ? 'epochs' : key.replace('Iterations', 'Epochs')}), or update every iteration.`,
      });
    }
  }
  return {
    steps: checkInteger(`${where}(options.epochs)`, o.epochs, 1),
    hold: checkInteger(`${where}(options.holdEpochs)`, o.holdEpochs ?? 0, 0),
    warmup: checkWarmup(`${where}(options.warmupEpochs)`, o.warmupEpochs ?? 0, includesBase),
    repeat: iterationsPerEpochFor(o, "updateEvery is 'epoch'"),
  };
}

/**
 * The curve, one value per step: `hold` steps at `start`, the warm-up to `base`, then
 * `final + (base - final) * (1 + cos(pi * x / K)) / 2` over the remaining `K` steps, `x` counted
 * from the warm-up's end. With integer lengths `x` runs over `0 .. K-1` exactly as numpy's
 * `arange`, so the values are bit for bit iBOT's.
 */
function cosineCurve(lengths: CurveLengths, base: number, final: number, start: number, includesBase: boolean): Float64Array {
  const { steps, hold, warmup } = lengths;
  const values = new Float64Array(steps);
  values.fill(start, 0, hold);
  const cosineStart = hold + warmup;
  const firstCosineStep = Math.ceil(cosineStart);
  if (includesBase) {
    values.set(linspace(start, base, warmup), hold);
  } else {
    for (let i = hold; i < firstCosineStep; i++) values[i] = start + ((base - start) * (i - hold)) / warmup;
  }
  const cosineLength = steps - cosineStart;
  for (let i = firstCosineStep; i < steps; i++) {
    // the same operation order as numpy: pi * x first, then / K
    values[i] = final + 0.5 * (base - final) * (1 + Math.cos((Math.PI * (i - cosineStart)) / cosineLength));
  }
  return values;
}

/**
 * The one schedule curve of selfsup, counted in iterations: optionally held at `startWarmupValue`,
 * a linear warm-up to `baseValue`, then a half cosine towards `finalValue`. It is iBOT's and DINO's
 * `utils.cosine_scheduler` and dinov2's `CosineScheduler` (learning rate, weight decay, teacher
 * momentum), a warm-up then a constant when `finalValue` equals `baseValue` (the teacher
 * temperature), MAE's learning rate with `warmupIncludesBase: false`, and any of them changing once
 * per epoch with `updateEvery: 'epoch'`.
 *
 * With `H` hold and `W` warm-up steps out of `T`: the first `H` values are `startWarmupValue`;
 * the next `W` rise linearly from `startWarmupValue` to `baseValue`, both included
 * (`numpy.linspace`); the remaining `K = T - H - W` follow
 * `finalValue + (baseValue - finalValue) * (1 + cos(pi * i / K)) / 2` for `i = 0 .. K-1`: they
 * start at `baseValue` and stop one step short of `finalValue`. Beyond the end, `at` gives the
 * last value (dinov2 gives `finalValue` there).
 *
 * @example
 * ```ts
 * // iBOT ViT-S/16: lr 5e-4 * batch / 256, 10 warm-up epochs, 100 epochs
 * const learningRate = cosineSchedule({
 *   baseValue: 5e-4, finalValue: 1e-6, epochs: 100, iterationsPerEpoch: 1251, warmupEpochs: 10,
 * });
 * learningRate.at(0); // 0
 * // the teacher momentum: 0.996 towards 1, every iteration
 * const momentum = cosineSchedule({ baseValue: 0.996, finalValue: 1, epochs: 100, iterationsPerEpoch: 1251 });
 * // the teacher temperature: 0.04 to 0.07 over 30 epochs, then 0.07, one value per epoch
 * const temperature = cosineSchedule({
 *   baseValue: 0.07, finalValue: 0.07, startWarmupValue: 0.04, warmupEpochs: 30,
 *   epochs: 100, iterationsPerEpoch: 1251, updateEvery: 'epoch',
 * });
 * temperature.at(1251 * 29); // 0.07
 * ```
 */
export function cosineSchedule(options: CosineScheduleOptions): FiniteSchedule {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: `${where}(options)`, expected: 'an options object', actual: options });
  }
  const baseValue = checkNumber(`${where}(options.baseValue)`, options.baseValue);
  const finalValue = checkNumber(`${where}(options.finalValue)`, options.finalValue);
  const startWarmupValue = checkNumber(`${where}(options.startWarmupValue)`, options.startWarmupValue ?? 0);
  const includesBase = options.warmupIncludesBase ?? true;
  const updateEvery = options.updateEvery ?? 'iteration';
  if (updateEvery !== 'iteration' && updateEvery !== 'epoch') {
    throw invalidArgument({ argument: `${where}(options.updateEvery)`, expected: "'iteration' or 'epoch'", actual: updateEvery });
  }
  const lengths = updateEvery === 'epoch' ? epochLengths(options, includesBase) : iterationLengths(options, includesBase);
  if (lengths.hold + lengths.warmup > lengths.steps) {
    const unit = updateEvery === 'epoch' ? 'epochs' : 'iterations';
    throw invalidArgument({
      argument: `${where}(options.${options.warmupIterations === undefined ? 'warmupEpochs' : 'warmupIterations'})`,
      expected: `a hold and warm-up no longer than the run (${lengths.steps} ${unit})`,
      actual: `${lengths.hold} + ${lengths.warmup} ${unit}`,
      fix: 'Shorten the warm-up (or the hold) or lengthen the run.',
    });
  }
  const curve = cosineCurve(lengths, baseValue, finalValue, startWarmupValue, includesBase);
  return arraySchedule(lengths.repeat === 1 ? curve : repeatEach(curve, lengths.repeat), where);
}
