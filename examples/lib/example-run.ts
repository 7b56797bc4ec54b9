// What the pretraining examples share, so that each example file shows only its method: the
// command-line flags, the backend, the bundled Fashion-MNIST subset and its loader, the `train()`
// call with checkpoints and metrics, and the weighted k-NN evaluation (k=20, T=0.07, a k-NN monitor
// of @selfsup/eval).
//
// A typical example reads:
//
//   const example = await startFashionMnistExample('runs/dino-fashion-mnist-subset');
//   const run = createDinoPretraining({ ...DINO_FASHION_MNIST_REFERENCE, epochs: example.args.epochs, batchSize: example.args.batchSize }, example.iterationsPerEpoch);
//   const result = await trainExample(run, example);
//   const knn = createExampleKnnMonitor(example, { token: 'class', preprocess: normalizeAsInTraining(run.config.augmentation) });
//   await printKnnAccuracy(knn, 'student [CLS]', run.backbones().student, result);
//   console.log(`metrics: ${example.metricsFile}`);
//   run.dispose();
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '@selfsup/core';
import { useBackend, type BackendInfo, type BackendName } from '@selfsup/backend';
import { createDataLoader, loadBundledFashionMnist, type Batch, type DataLoader, type ImageDataset } from '@selfsup/data/node';
import { createKnnMonitor, type FeatureToken, type KnnMonitor, type KnnMonitorResult } from '@selfsup/eval';
import type { Pretraining } from '@selfsup/ibot';
import { train, type BatchSource, type TrainResult } from '@selfsup/train/node';

/** The command-line flags of the pretraining examples, parsed. */
export interface ExampleArgs {
  /** `--backend`: the TensorFlow.js backend to start (`auto` picks the fastest installed). Default `auto`. */
  readonly backend: BackendName;
  /** `--epochs`: epochs to train. Default 2. */
  readonly epochs: number;
  /** `--steps`: at most this many steps per epoch (a smoke run); `undefined` trains whole epochs. Default `undefined`. */
  readonly steps: number | undefined;
  /** `--batch`: images per step. Default 64. */
  readonly batchSize: number;
  /** `--out`, made absolute: the run's folder, receiving `checkpoints/` and `metrics.jsonl`. */
  readonly outDir: string;
  /** `--resume`: continue from the latest checkpoint in `outDir/checkpoints`. Default `false`. */
  readonly resume: boolean;
}

/**
 * Reads the flags every pretraining example takes from `process.argv`:
 * `--backend auto --epochs 2 --steps <all> --batch 64 --out <defaultOut> --resume`.
 * An unknown flag is an error (as `parseArgs` of `node:util` does).
 *
 * @param defaultOut - the run's folder when `--out` is not given, relative to the working directory.
 */
export function parseExampleArgs(defaultOut: string): ExampleArgs {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'auto' },
      epochs: { type: 'string', default: '2' },
      steps: { type: 'string' },
      batch: { type: 'string', default: '64' },
      out: { type: 'string', default: defaultOut },
      resume: { type: 'boolean', default: false },
    },
  });
  return {
    backend: values.backend as BackendName,
    epochs: Number(values.epochs),
    steps: values.steps ? Number(values.steps) : undefined,
    batchSize: Number(values.batch),
    outDir: resolve(values.out),
    resume: values.resume,
  };
}

/**
 * Starts a TensorFlow.js backend with `useBackend` of `@selfsup/backend` and prints
 * `backend: <name> (<threads> thread(s))`.
 *
 * @param name - `auto` or one of `webgpu`, `tensorflow-gpu`, `native`, `tensorflow`, `wasm`, `cpu`.
 * @returns what started.
 */
export async function startBackend(name: BackendName): Promise<BackendInfo> {
  const info = await useBackend(name);
  console.log(`backend: ${info.name} (${info.threads} thread(s))`);
  return info;
}

/**
 * The batches `train()` reads: the loader's batches of each epoch from `startBatch` on, stopping
 * after batch `iterationsPerEpoch - 1` (so `--steps 2` trains on 2 batches per epoch).
 *
 * @param loader - a `createDataLoader` loader (its order is seeded, so a resumed run sees the same batches).
 * @param iterationsPerEpoch - batches per epoch, at most `loader.batchesPerEpoch`.
 */
export function firstBatches(loader: DataLoader, iterationsPerEpoch: number): BatchSource<Batch> {
  return async function* (epoch, { startBatch }) {
    let i = startBatch;
    for await (const batch of loader.epoch(epoch, { startBatch })) {
      if (i++ >= iterationsPerEpoch) break;
      yield batch;
    }
  };
}

/** What a Fashion-MNIST pretraining example starts from: see {@link startFashionMnistExample}. */
export interface FashionMnistExample {
  /** The command-line flags. */
  readonly args: ExampleArgs;
  /** The bundled training subset (`loadBundledFashionMnist('train')`): pretraining and the k-NN memory. */
  readonly trainSet: ImageDataset;
  /** The bundled test subset: the k-NN queries. */
  readonly testSet: ImageDataset;
  /** Steps per epoch: a whole epoch of `args.batchSize` images, or `--steps` when that is fewer. */
  readonly iterationsPerEpoch: number;
  /** The training batches, shuffled with seed 0 (an incomplete last batch is dropped), `iterationsPerEpoch` per epoch. */
  readonly batches: BatchSource<Batch>;
  /** `<outDir>/metrics.jsonl`: one line of metrics per step. */
  readonly metricsFile: string;
}

/**
 * The common start of the pretraining examples: parses the flags ({@link parseExampleArgs}),
 * starts the backend ({@link startBackend}, which prints a line), loads the bundled Fashion-MNIST
 * subset and batches its training images.
 *
 * @param defaultOut - the run's folder when `--out` is not given.
 */
export async function startFashionMnistExample(defaultOut: string): Promise<FashionMnistExample> {
  const args = parseExampleArgs(defaultOut);
  await startBackend(args.backend);

  const trainSet = await loadBundledFashionMnist('train');
  const testSet = await loadBundledFashionMnist('test');
  const loader = createDataLoader({ dataset: trainSet, batchSize: args.batchSize, shuffle: true, seed: 0, dropLast: true });
  const iterationsPerEpoch = args.steps === undefined ? loader.batchesPerEpoch : Math.min(args.steps, loader.batchesPerEpoch);
  return {
    args,
    trainSet,
    testSet,
    iterationsPerEpoch,
    batches: firstBatches(loader, iterationsPerEpoch),
    metricsFile: join(args.outDir, 'metrics.jsonl'),
  };
}

/**
 * Pretrains with `train()` of `@selfsup/train`: the method's recipe, optimizer and gradient rules,
 * `run.config.epochs` epochs of `example.iterationsPerEpoch` steps, a checkpoint every 50 steps in
 * `<outDir>/checkpoints` (continued from with `--resume`), metrics in `example.metricsFile`, and
 * the configuration stored in every checkpoint.
 *
 * @param run - what `createIbotPretraining`, `createDinoPretraining`, `createBeitPretraining` or
 *   `createMaePretraining` returns.
 */
export async function trainExample(run: Pretraining<{ readonly epochs: number; readonly seed: number }>, example: FashionMnistExample): Promise<TrainResult> {
  return train({
    recipe: run.recipe,
    optimizer: run.optimizer,
    gradients: run.gradients,
    batches: example.batches,
    epochs: run.config.epochs,
    iterationsPerEpoch: example.iterationsPerEpoch,
    seed: run.config.seed,
    checkpoint: { dir: join(example.args.outDir, 'checkpoints'), everySteps: 50 },
    resume: example.args.resume,
    metricsFile: example.metricsFile,
    config: run.config,
  });
}

/**
 * The preprocessing of `extractFeatures`: `(pixels - mean) / std` per channel, so that the
 * backbone sees images normalised as in training. The function it returns makes two small
 * tensors per call and relies on its caller's `tf.tidy` (as `extractFeatures` runs it) to free them.
 *
 * @param augmentation - the method's `config.augmentation` (its per-channel `mean` and `std`).
 */
export function normalizeAsInTraining(augmentation: { readonly mean: number[]; readonly std: number[] }): (images: tf.Tensor4D) => tf.Tensor4D {
  const { mean, std } = augmentation;
  return (images) => tf.div(tf.sub(images, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D;
}

/** Options of {@link createExampleKnnMonitor}. */
export interface KnnAccuracyOptions {
  /** Which tokens make an image's feature: `'class'` ([CLS]) or `'meanPatch'` (the mean patch token). */
  readonly token: FeatureToken;
  /** Applied to the images before the backbone, e.g. {@link normalizeAsInTraining}. */
  readonly preprocess: (images: tf.Tensor4D) => tf.Tensor4D;
}

/**
 * The weighted k-NN evaluation of the examples: `createKnnMonitor` of `@selfsup/eval` with the
 * training subset as the memory and the test subset as the queries, k=20, T=0.07 (as iBOT and
 * DINO report), 250 images per forward pass.
 *
 * @param example - the example's data (`trainSet`, `testSet`).
 */
export function createExampleKnnMonitor(example: Pick<FashionMnistExample, 'trainSet' | 'testSet'>, options: KnnAccuracyOptions): KnnMonitor {
  const { trainSet, testSet } = example;
  return createKnnMonitor({
    trainImages: trainSet,
    trainLabels: trainSet.labels,
    testImages: testSet,
    testLabels: testSet.labels,
    k: 20,
    temperature: 0.07,
    batchSize: 250,
    token: options.token,
    preprocess: options.preprocess,
  });
}

/**
 * Evaluates a backbone's features after training with a k-NN monitor (see
 * {@link createExampleKnnMonitor}) and prints `k-NN (k=20, T=0.07) <label>: top-1 <%>, top-5 <%>`.
 *
 * @param knn - the monitor.
 * @param label - what is evaluated, as printed: e.g. `teacher [CLS]`.
 * @param backbone - the network to encode the images with (e.g. `run.backbones().student`).
 * @param result - what `trainExample` returned: the evaluation is of the last epoch it finished.
 * @returns the accuracies (top-1 and top-5 in percent).
 */
export async function printKnnAccuracy(knn: KnnMonitor, label: string, backbone: Backbone, result: Pick<TrainResult, 'epoch'>): Promise<KnnMonitorResult> {
  const accuracy = await knn.evaluate(backbone, result.epoch - 1);
  console.log(`k-NN (k=20, T=0.07) ${label}: top-1 ${accuracy.top1.toFixed(1)}%, top-5 ${accuracy.top5.toFixed(1)}%`);
  return accuracy;
}
