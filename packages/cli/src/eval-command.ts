import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isSslError } from '@selfsup/core';
import type { CliConfig } from './cli-config-schema.js';
import { inputOf } from './method-registry.js';
import { createRunKnnMonitor, knnNeighbours } from './run-knn-monitor.js';
import { runLinearProbe } from './run-linear-probe.js';
import { loadDatasets, type RunDatasets } from './load-datasets.js';
import { describeHeldOut, heldOutLabel } from './held-out-label.js';
import { readRunMetrics } from './run-metrics.js';
import { trainSecondsAt } from './train-seconds.js';
import { openCheckpoint, pickBackbone } from './open-checkpoint.js';
import { withStoredDataHint } from './with-stored-data-hint.js';
import { displayPath, type CliIo } from './cli-io.js';
import { usageError } from './usage-error.js';

/** Options of `selfsup eval knn` and `selfsup eval linear`. */
export interface EvalOptions {
  /** A checkpoint of `selfsup pretrain`, or a run folder (its latest checkpoint). */
  readonly checkpoint: string;
  /** `teacher` (the default when there is one) or `student`. */
  readonly which?: string;
  readonly backend?: string;
  readonly threads?: number;
  /** Print one JSON object instead of a sentence. */
  readonly json?: boolean;
  /**
   * `held-out`: fit on the run's training images and classify its held-out ones (`data.heldOut`);
   * `test`: fit on the whole training split and classify the test split, the final figure of a
   * recipe chosen on images held out of the training set.
   * @defaultValue 'held-out'
   */
  readonly split?: 'held-out' | 'test';
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

/** The run's data with the test split as held-out images (`--split test`); a folder without one is refused naming the flag. */
async function loadTestSplit(data: CliConfig['data'], channels: number, cwd: string): Promise<RunDatasets> {
  try {
    return await withStoredDataHint(loadDatasets({ ...data, heldOut: 'test' }, channels, cwd), data, cwd);
  } catch (error) {
    if (!isSslError(error, 'INVALID_CONFIG') || error.details.key !== 'data.heldOut') throw error;
    throw usageError(
      `--split test: the run's images have no test split (no folder ${String(error.details.expected)}). ` +
        "Leave out --split to evaluate on the run's held-out images, or add the test split there.",
    );
  }
}

async function prepare(options: EvalOptions, io: CliIo) {
  const cwd = io.cwd ?? process.cwd();
  const opened = await openCheckpoint(options.checkpoint, { ...options, cwd });
  try {
    const { which, backbone } = pickBackbone(opened, options.which);
    const input = inputOf(opened.method, opened.config);
    const heldOutConfig = options.split === 'test' ? 'test' : opened.config.data.heldOut;
    // before any image is read
    if (heldOutConfig === 'none') {
      throw usageError(
        `${options.checkpoint}: its run has data.heldOut: none, so there are no held-out images to evaluate on. Add --split test to classify the test split.`,
      );
    }
    const data = options.split === 'test' ? await loadTestSplit(opened.config.data, input.channels, cwd) : await opened.datasets();
    if (!data.heldOut) throw new Error(`eval: no held-out images although data.heldOut is ${JSON.stringify(heldOutConfig)}`);
    return {
      opened,
      which,
      backbone,
      input,
      data,
      heldOut: data.heldOut,
      heldOutLabel: heldOutLabel(heldOutConfig),
      heldOutWords: describeHeldOut(heldOutConfig),
      shown: displayPath(opened.path, cwd),
      trainSeconds: checkpointTrainSeconds(opened.path, opened.metadata.step),
    };
  } catch (error) {
    opened.pretraining.dispose();
    throw error;
  }
}

/**
 * The training seconds of a run up to a checkpoint's step, from the `metrics.jsonl` of its run
 * folder (the folder above `checkpoints/`); none when the file is not there or has no step lines.
 */
function checkpointTrainSeconds(checkpoint: string, step: number): number | undefined {
  const metrics = join(dirname(dirname(checkpoint)), 'metrics.jsonl');
  if (!existsSync(metrics)) return undefined;
  const { steps } = readRunMetrics(metrics);
  return steps.some((s) => s.iteration === step - 1) ? trainSecondsAt(steps, step - 1) : undefined;
}

/**
 * `selfsup eval knn`: the weighted k-NN accuracy (DINO's protocol) of a checkpoint's teacher or
 * student on the held-out images of its run's data set.
 */
export async function runEvalKnn(options: EvalKnnOptions, io: CliIo): Promise<{ top1: number; top5: number }> {
  const { opened, which, backbone, input, data, heldOut, heldOutLabel, heldOutWords, shown, trainSeconds } = await prepare(options, io);
  try {
    const k = knnNeighbours(options.k ?? opened.config.run.knnK, data.train.count);
    const temperature = options.temperature ?? opened.config.run.knnTemperature;
    const knn = createRunKnnMonitor(data.train, heldOut, { input, token: opened.method.featureToken ?? 'class', k, temperature });
    const { top1, top5 } = await knn.evaluate(backbone, opened.metadata.epoch - 1);
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({
          checkpoint: opened.path,
          step: opened.metadata.step,
          which,
          dataset: data.name,
          heldOut: heldOutLabel,
          k,
          temperature,
          top1,
          top5,
          trainImages: data.train.count,
          testImages: heldOut.count,
          ...(trainSeconds !== undefined ? { trainSeconds } : {}),
        })}\n`,
      );
    } else {
      io.stdout.write(
        `k-NN (k=${k}, T=${temperature}) of the ${which} of ${shown} (step ${opened.metadata.step}) on ${data.name} ` +
          `(${data.train.count} memory, ${heldOut.count} images of ${heldOutWords}): top-1 ${top1.toFixed(2)}%, top-5 ${top5.toFixed(2)}%\n`,
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
  const { opened, which, backbone, input, data, heldOut, heldOutLabel, heldOutWords, shown, trainSeconds } = await prepare(options, io);
  try {
    const seed = (opened.config as { seed?: unknown }).seed;
    const started = performance.now();
    const result = await runLinearProbe(backbone, data.train, heldOut, {
      input,
      token: opened.method.featureToken ?? 'class',
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      ...(options.learningRates !== undefined ? { learningRates: options.learningRates } : {}),
      seed: typeof seed === 'number' ? seed : 0,
      onResult: (entry) => {
        if (!options.json) {
          io.stderr.write(`  learning rate ${entry.learningRate}: validation top-1 ${entry.validation.top1.toFixed(2)}%\n`);
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    const { test } = result;
    if (options.json) {
      io.stdout.write(
        `${JSON.stringify({
          checkpoint: opened.path,
          step: opened.metadata.step,
          which,
          dataset: data.name,
          heldOut: heldOutLabel,
          learningRate: result.learningRate,
          validation: result.validation,
          top1: test.top1,
          top5: test.top5,
          trainImages: data.train.count,
          testImages: heldOut.count,
          seconds,
          ...(trainSeconds !== undefined ? { trainSeconds } : {}),
          entries: result.entries,
        })}\n`,
      );
    } else {
      io.stdout.write(
        `linear probe of the ${which} of ${shown} (step ${opened.metadata.step}) on ${data.name}: learning rate ${result.learningRate} ` +
          `(validation top-1 ${result.validation.top1.toFixed(2)}%); top-1 ${test.top1.toFixed(2)}%, top-5 ${test.top5.toFixed(2)}% ` +
          `on the ${heldOut.count} images of ${heldOutWords} (${seconds.toFixed(0)} s)\n`,
      );
    }
    return { top1: test.top1, top5: test.top5, learningRate: result.learningRate };
  } finally {
    opened.pretraining.dispose();
  }
}
