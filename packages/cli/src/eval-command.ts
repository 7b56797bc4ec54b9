import { createRng } from '@selfsup/core';
import { linearProbeSweep } from '@selfsup/eval';
import { inputOf } from './method-registry.js';
import { datasetFeatures } from './dataset-features.js';
import { createRunKnnMonitor } from './run-knn-monitor.js';
import { openCheckpoint, pickBackbone } from './open-checkpoint.js';
import { displayPath, type CliIo } from './cli-io.js';
import { usageError } from './usage-error.js';

/** Options of `selfsup eval knn` and `selfsup eval linear`. */
export interface EvalOptions {
  readonly checkpoint: string;
  /** `teacher` (the default when there is one) or `student`. */
  readonly which?: string;
  readonly backend?: string;
  readonly threads?: number;
  /** Print one JSON object instead of a sentence. */
  readonly json?: boolean;
}

/** Options of `selfsup eval knn`. */
export interface EvalKnnOptions extends EvalOptions {
  /** @defaultValue the run's `run.knnK` (20) */
  readonly k?: number;
  /** @defaultValue the run's `run.knnTemperature` (0.07) */
  readonly temperature?: number;
}

/** Options of `selfsup eval linear`. */
export interface EvalLinearOptions extends EvalOptions {
  /** @defaultValue 100 */
  readonly epochs?: number;
  /** @defaultValue [0.001, 0.01, 0.1, 1, 10] */
  readonly learningRates?: readonly number[];
}

async function prepare(options: EvalOptions, io: CliIo) {
  const cwd = io.cwd ?? process.cwd();
  const opened = await openCheckpoint(options.checkpoint, { ...options, cwd });
  try {
    const { which, backbone } = pickBackbone(opened, options.which);
    const input = inputOf(opened.method, opened.config);
    const data = await opened.datasets();
    if (!data.heldOut) {
      throw usageError(`${options.checkpoint}: its run has data.heldOut: none, so there are no held-out images to evaluate on.`);
    }
    return { opened, which, backbone, input, data, heldOut: data.heldOut, shown: displayPath(opened.path, cwd) };
  } catch (error) {
    opened.pretraining.dispose();
    throw error;
  }
}

/**
 * `selfsup eval knn`: the weighted k-NN accuracy (DINO's protocol) of a checkpoint's teacher or
 * student on the held-out images of its run's data set.
 */
export async function runEvalKnn(options: EvalKnnOptions, io: CliIo): Promise<{ top1: number; top5: number }> {
  const { opened, which, backbone, input, data, heldOut, shown } = await prepare(options, io);
  try {
    const k = options.k ?? opened.config.run.knnK;
    const temperature = options.temperature ?? opened.config.run.knnTemperature;
    const knn = createRunKnnMonitor(data.train, heldOut, { input, token: opened.method.featureToken ?? 'class', k, temperature });
    const { top1, top5 } = await knn.evaluate(backbone, opened.metadata.epoch - 1);
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({ checkpoint: opened.path, step: opened.metadata.step, which, dataset: data.name, k, temperature, top1, top5, trainImages: data.train.count, testImages: heldOut.count })}\n`,
      );
    } else {
      io.stdout.write(
        `k-NN (k=${k}, T=${temperature}) of the ${which} of ${shown} (step ${opened.metadata.step}) on ${data.name} ` +
          `(${data.train.count} memory, ${heldOut.count} held-out images): top-1 ${top1.toFixed(2)}%, top-5 ${top5.toFixed(2)}%\n`,
      );
    }
    return { top1, top5 };
  } finally {
    opened.pretraining.dispose();
  }
}

/**
 * `selfsup eval linear`: a linear probe on frozen [CLS] (or mean patch) features, raw as DINO's
 * `eval_linear.py` reads them (no L2 normalisation), with its
 * learning-rate sweep chosen on a held-out fifth of the training features, reported on the
 * held-out images.
 */
export async function runEvalLinear(options: EvalLinearOptions, io: CliIo): Promise<{ top1: number; top5: number; learningRate: number }> {
  const { opened, which, backbone, input, data, heldOut, shown } = await prepare(options, io);
  try {
    const token = opened.method.featureToken ?? 'class';
    // raw features, as DINO's eval_linear.py (the backbone's final LayerNorm, no L2 normalisation)
    const trainFeatures = await datasetFeatures(backbone, data.train, { input, token, normalize: false });
    const testFeatures = await datasetFeatures(backbone, heldOut, { input, token, normalize: false });
    const seed = (opened.config as { seed?: unknown }).seed;
    const result = await linearProbeSweep({
      trainFeatures,
      trainLabels: data.train.labels,
      testFeatures,
      testLabels: heldOut.labels,
      classCount: Math.max(data.train.classNames.length, heldOut.classNames.length),
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(options.learningRates !== undefined ? { learningRates: options.learningRates } : {}),
      rng: createRng(typeof seed === 'number' ? seed : 0),
      onResult: (entry) => {
        if (!options.json) {
          io.stderr.write(`  learning rate ${entry.learningRate}: validation top-1 ${entry.validation.top1.toFixed(2)}%\n`);
        }
      },
    });
    const test = result.test!;
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({ checkpoint: opened.path, step: opened.metadata.step, which, dataset: data.name, learningRate: result.learningRate, validation: result.validation, top1: test.top1, top5: test.top5, entries: result.entries })}\n`,
      );
    } else {
      io.stdout.write(
        `linear probe of the ${which} of ${shown} (step ${opened.metadata.step}) on ${data.name}: learning rate ${result.learningRate} ` +
          `(validation top-1 ${result.validation.top1.toFixed(2)}%); held-out top-1 ${test.top1.toFixed(2)}%, top-5 ${test.top5.toFixed(2)}%\n`,
      );
    }
    return { top1: test.top1, top5: test.top5, learningRate: result.learningRate };
  } finally {
    opened.pretraining.dispose();
  }
}
