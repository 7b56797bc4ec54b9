import { SslError, checkInteger, checkNumber, invalidArgument, restoreRng, type HostTensor, type Rng } from '@selfsup/core';
import { trainLinearProbe, type Accuracy, type LinearProbe, type LinearProbeEpoch } from './linear-probe.js';
import { checkFeatures, checkLabels, inferClassCount } from './validate.js';

/** Options of {@link linearProbeSweep}. */
export interface LinearProbeSweepOptions {
  /** `[count, dim]` frozen features of the training images. */
  trainFeatures: HostTensor;
  /** `[count]` their class indices. */
  trainLabels: ArrayLike<number>;
  /**
   * `[validationCount, dim]` features the learning rate is chosen on; with `validationLabels`.
   * @defaultValue a `validationFraction` of the training features, drawn by `rng` and held out
   */
  validationFeatures?: HostTensor;
  /** `[validationCount]` class indices of `validationFeatures`. @defaultValue with them */
  validationLabels?: ArrayLike<number>;
  /**
   * The share of training features held out for validation when none are given.
   * @defaultValue 0.2
   */
  validationFraction?: number;
  /** `[testCount, dim]` features to report the chosen probe's accuracy on. @defaultValue none */
  testFeatures?: HostTensor;
  /** `[testCount]` class indices of `testFeatures`. @defaultValue none */
  testLabels?: ArrayLike<number>;
  /**
   * The learning rates tried (each the peak of a cosine decay; see {@link LinearProbeOptions}).
   * @defaultValue [0.001, 0.01, 0.1, 1, 10] (unit-length features want the larger ones)
   */
  learningRates?: readonly number[];
  /** @defaultValue one more than the largest label */
  classCount?: number;
  /** @defaultValue 100 */
  epochs?: number;
  /** @defaultValue 256 */
  batchSize?: number;
  /** @defaultValue 0.9 */
  momentum?: number;
  /** @defaultValue 0 */
  weightDecay?: number;
  /** @defaultValue 0.01 */
  initStd?: number;
  /**
   * The validation split (when drawn) and, through one fork, the initial weights and batch orders,
   * the same for every learning rate so that only the learning rate differs between runs.
   */
  rng: Rng;
  /**
   * Called after each learning rate's run.
   * @defaultValue none
   */
  onResult?: (result: LinearProbeSweepEntry) => void;
  /**
   * Called after every epoch of every run.
   * @defaultValue none
   */
  onEpoch?: (info: LinearProbeEpoch & { readonly runLearningRate: number }) => void;
}

/** One learning rate of a {@link linearProbeSweep}. */
export interface LinearProbeSweepEntry {
  readonly learningRate: number;
  /** Accuracy on the validation features, in percent. */
  readonly validation: Accuracy;
  /** The mean training loss of the last epoch. */
  readonly finalLoss: number;
}

/** What {@link linearProbeSweep} returns. */
export interface LinearProbeSweepResult {
  /** The learning rate of best validation top-1 (the first listed on ties). */
  readonly learningRate: number;
  /** The probe trained with it. */
  readonly probe: LinearProbe;
  /** Its validation accuracy. */
  readonly validation: Accuracy;
  /** Its test accuracy, when test features were given. */
  readonly test: Accuracy | undefined;
  /** Every learning rate tried, in order. */
  readonly entries: readonly LinearProbeSweepEntry[];
}

/**
 * The linear-probe protocol with its learning-rate sweep: trains one {@link trainLinearProbe} per
 * learning rate on the training features, picks the one of best top-1 on the validation features
 * (a held-out share of the training features unless given), and reports that probe's accuracy on
 * the test features. Choosing on a validation split keeps the test accuracy an honest estimate;
 * DINOv2 sweeps the same way. Every run starts from the same initial weights and sees the same
 * batches.
 *
 * @example
 * ```ts
 * const result = await linearProbeSweep({
 *   trainFeatures, trainLabels, testFeatures, testLabels,
 *   learningRates: [0.01, 0.1, 1], epochs: 50, rng: createRng(0),
 * });
 * console.log(`best lr ${result.learningRate}: test top-1 ${result.test?.top1}%`);
 * ```
 */
export async function linearProbeSweep(options: LinearProbeSweepOptions): Promise<LinearProbeSweepResult> {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'linearProbeSweep(options)', expected: 'an options object', actual: options });
  }
  const { rng } = options;
  if (rng === null || typeof rng !== 'object' || typeof rng.fork !== 'function') {
    throw invalidArgument({ argument: 'linearProbeSweep(options.rng)', expected: 'an Rng (createRng(seed) from @selfsup/core)', actual: rng });
  }
  const learningRates = options.learningRates ?? [0.001, 0.01, 0.1, 1, 10];
  if (!Array.isArray(learningRates) || learningRates.length === 0) {
    throw invalidArgument({
      argument: 'linearProbeSweep(options.learningRates)',
      expected: 'a non-empty array of learning rates',
      actual: learningRates,
    });
  }
  learningRates.forEach((lr, i) => checkNumber(`linearProbeSweep(options.learningRates[${i}])`, lr, 0));
  const train = checkFeatures('linearProbeSweep(options.trainFeatures)', options.trainFeatures);
  const givenClassCount =
    options.classCount === undefined ? undefined : checkInteger('linearProbeSweep(options.classCount)', options.classCount, 1);
  const trainLabels = checkLabels('linearProbeSweep(options.trainLabels)', options.trainLabels, train.count, givenClassCount);
  if ((options.validationFeatures === undefined) !== (options.validationLabels === undefined)) {
    throw invalidArgument({
      argument: 'linearProbeSweep(options.validationFeatures, options.validationLabels)',
      expected: 'both or neither',
      actual: options.validationFeatures === undefined ? 'labels without features' : 'features without labels',
    });
  }
  if ((options.testFeatures === undefined) !== (options.testLabels === undefined)) {
    throw invalidArgument({
      argument: 'linearProbeSweep(options.testFeatures, options.testLabels)',
      expected: 'both or neither',
      actual: options.testFeatures === undefined ? 'labels without features' : 'features without labels',
    });
  }

  let fit = { features: options.trainFeatures, labels: options.trainLabels };
  let validation: { features: HostTensor; labels: ArrayLike<number> };
  if (options.validationFeatures !== undefined) {
    validation = { features: options.validationFeatures, labels: options.validationLabels! };
  } else {
    const fraction = checkNumber('linearProbeSweep(options.validationFraction)', options.validationFraction ?? 0.2, 0, 1);
    const held = Math.round(train.count * fraction);
    if (held < 1 || held > train.count - 1) {
      throw invalidArgument({
        argument: 'linearProbeSweep(options.validationFraction)',
        expected: `a share that holds out between 1 and ${train.count - 1} of the ${train.count} training rows`,
        actual: fraction,
        fix: 'Pass validationFeatures and validationLabels, or change validationFraction.',
      });
    }
    const order = rng.permutation(train.count);
    validation = selectRows(options.trainFeatures, options.trainLabels, order.subarray(0, held));
    fit = selectRows(options.trainFeatures, options.trainLabels, order.subarray(held));
  }
  // check the evaluation sets now rather than after the training runs
  const labelSets = [trainLabels, checkSet('validation', validation.features, validation.labels, train.dim, givenClassCount)];
  if (options.testFeatures !== undefined) {
    labelSets.push(checkSet('test', options.testFeatures, options.testLabels!, train.dim, givenClassCount));
  }
  // every class seen anywhere gets an output, even one missing from the rows trained on
  const classCount = givenClassCount ?? inferClassCount(...labelSets);
  const runState = rng.fork().getState();

  const entries: LinearProbeSweepEntry[] = [];
  let best: { entry: LinearProbeSweepEntry; probe: LinearProbe } | undefined;
  for (const learningRate of learningRates) {
    const probe = await trainLinearProbe({
      features: fit.features,
      labels: fit.labels,
      classCount,
      learningRate,
      epochs: options.epochs,
      batchSize: options.batchSize,
      momentum: options.momentum,
      weightDecay: options.weightDecay,
      initStd: options.initStd,
      rng: restoreRng(runState),
      onEpoch: options.onEpoch && ((info) => options.onEpoch!({ ...info, runLearningRate: learningRate })),
    });
    const entry: LinearProbeSweepEntry = {
      learningRate,
      validation: probe.evaluate(validation.features, validation.labels),
      finalLoss: probe.finalLoss,
    };
    entries.push(entry);
    options.onResult?.(entry);
    if (best === undefined || entry.validation.top1 > best.entry.validation.top1) best = { entry, probe };
  }
  const chosen = best!; // learningRates is not empty
  return {
    learningRate: chosen.entry.learningRate,
    probe: chosen.probe,
    validation: chosen.entry.validation,
    test: options.testFeatures === undefined ? undefined : chosen.probe.evaluate(options.testFeatures, options.testLabels!),
    entries,
  };
}

function checkSet(name: string, features: HostTensor, labels: ArrayLike<number>, dim: number, classCount?: number): Int32Array {
  const sizes = checkFeatures(`linearProbeSweep(options.${name}Features)`, features);
  if (sizes.dim !== dim) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `linearProbeSweep(options.${name}Features): expected rows of ${dim} values like the training features, got [${sizes.count}, ${sizes.dim}]. ` +
        'Extract every set with the same backbone and token option.',
      { details: { argument: `linearProbeSweep(options.${name}Features)`, expected: dim, actual: sizes.dim } },
    );
  }
  return Int32Array.from(checkLabels(`linearProbeSweep(options.${name}Labels)`, labels, sizes.count, classCount));
}

function selectRows(
  features: HostTensor,
  labels: ArrayLike<number>,
  rows: Int32Array,
): { features: HostTensor; labels: Int32Array } {
  const dim = features.shape[1]!;
  const data = new Float32Array(rows.length * dim);
  const picked = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    data.set(features.data.subarray(row * dim, (row + 1) * dim), i * dim);
    picked[i] = labels[row]!;
  });
  return { features: { shape: [rows.length, dim], data }, labels: picked };
}
