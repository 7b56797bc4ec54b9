import { createRng, type Backbone } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import { linearProbeSweep, type FeatureToken, type LinearProbeSweepEntry, type LinearProbeSweepResult } from '@selfsup/eval';
import type { MethodInput } from './method-registry.js';
import { datasetFeatures } from './dataset-features.js';
import { usageError } from './usage-error.js';

/** Options of {@link runLinearProbe}. */
export interface RunLinearProbeOptions {
  /** The method's input: crop size, channels, mean and standard deviation of its training. */
  readonly input: MethodInput;
  /** @defaultValue 'class' */
  readonly token?: FeatureToken;
  /** Epochs of each probe. @defaultValue 100 */
  readonly epochs?: number;
  /** The rates swept. @defaultValue [0.001, 0.01, 0.1, 1, 10] */
  readonly learningRates?: readonly number[];
  /** Seed of the validation fifth, the initial weights and the batch orders. @defaultValue 0 */
  readonly seed?: number;
  /** Called after each learning rate's probe. */
  readonly onResult?: (entry: LinearProbeSweepEntry) => void;
}

/** What {@link runLinearProbe} returns: the sweep's result, with its test accuracy. */
export type RunLinearProbeResult = LinearProbeSweepResult & { readonly test: NonNullable<LinearProbeSweepResult['test']> };

/**
 * The linear probe of a backbone on a run's data (DINO's `eval_linear.py` protocol, as `selfsup
 * eval linear` and `run.linearEveryEpochs` run it): raw features (no L2 normalisation) of the
 * training and held-out images, preprocessed as in training; a learning-rate sweep, each rate
 * trained on four fifths of the training features and judged on the remaining fifth; the chosen
 * probe's accuracy on the held-out images. The held-out images never choose anything.
 *
 * @example
 * ```ts
 * const { test, learningRate } = await runLinearProbe(teacher, data.train, data.heldOut, { input, epochs: 100 });
 * ```
 */
export async function runLinearProbe(backbone: Backbone, train: ImageDataset, heldOut: ImageDataset, options: RunLinearProbeOptions): Promise<RunLinearProbeResult> {
  if (train.count < 3) {
    // linearProbeSweep holds out a fifth of them (at least one, leaving at least one) to choose the rate
    throw usageError(
      `linear probe: expected at least 3 training images (a fifth of them choose the learning rate), got ${train.count}. Train on more images, or leave out the linear probe.`,
    );
  }
  const token = options.token ?? 'class';
  const trainFeatures = await datasetFeatures(backbone, train, { input: options.input, token, normalize: false });
  const testFeatures = await datasetFeatures(backbone, heldOut, { input: options.input, token, normalize: false });
  const result = await linearProbeSweep({
    trainFeatures,
    trainLabels: train.labels,
    testFeatures,
    testLabels: heldOut.labels,
    classCount: Math.max(train.classNames.length, heldOut.classNames.length),
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
    ...(options.learningRates !== undefined ? { learningRates: options.learningRates } : {}),
    rng: createRng(options.seed ?? 0),
    ...(options.onResult ? { onResult: options.onResult } : {}),
  });
  return result as RunLinearProbeResult; // test features were given, so test is set
}
