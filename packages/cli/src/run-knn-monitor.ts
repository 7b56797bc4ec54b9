import type { ImageDataset } from '@selfsup/data';
import { createKnnMonitor, type FeatureRanks, type FeatureToken, type KnnMonitor } from '@selfsup/eval';
import type { MethodInput } from './method-registry.js';
import { evaluationPreprocess } from '@selfsup/ibot';

/** Options of {@link createRunKnnMonitor}. */
export interface RunKnnMonitorOptions {
  /** The method's input: crop size, channels, mean and standard deviation of its training. */
  readonly input: MethodInput;
  /** @defaultValue 'class' */
  readonly token?: FeatureToken;
  /** Neighbours that vote, at most the training images. @defaultValue 20 */
  readonly k?: number;
  /** @defaultValue 0.07 */
  readonly temperature?: number;
  /** Evaluate after every this many epochs; 0: after the last one only (`run.knnEveryEpochs`). @defaultValue 1 */
  readonly everyEpochs?: number;
  /** The run's epochs: the last one is always evaluated. @defaultValue none */
  readonly epochs?: number;
  /** Evaluate the untrained backbones at epoch -1 too (`run.knnBeforeTraining`). @defaultValue false */
  readonly beforeTraining?: boolean;
  /** Images per forward pass. @defaultValue 250 */
  readonly batchSize?: number;
  /** The ranks of a data-parallel run: each extracts its block of the features, gathered to all. */
  readonly ranks?: FeatureRanks;
}

/**
 * The neighbours that vote in a run's k-NN: `k`, or every training image when there are fewer (a
 * small image folder with the default 20). Reports and metrics lines give this number.
 */
export function knnNeighbours(k: number, trainCount: number): number {
  return Math.min(k, trainCount);
}

/**
 * The k-NN monitor (`createKnnMonitor` of `@selfsup/eval`) of a run's data: the training images
 * are the memory bank, the held-out images are classified (DINO's and iBOT's `eval_knn.py`
 * protocol), both preprocessed as in training, with every class of either set counted.
 * `selfsup pretrain` calls it with the teacher and the student after each epoch; `selfsup eval knn`
 * calls its `evaluate` once.
 *
 * @example
 * ```ts
 * const knn = createRunKnnMonitor(data.train, data.heldOut, { input, everyEpochs: 1, epochs: 30, beforeTraining: true });
 * if (knn.isDue(epoch)) console.log((await knn.evaluate(teacher, epoch)).top1);
 * ```
 */
export function createRunKnnMonitor(train: ImageDataset, heldOut: ImageDataset, options: RunKnnMonitorOptions): KnnMonitor {
  return createKnnMonitor({
    trainImages: train,
    trainLabels: train.labels,
    testImages: heldOut,
    testLabels: heldOut.labels,
    classCount: Math.max(train.classNames.length, heldOut.classNames.length),
    token: options.token ?? 'class',
    k: knnNeighbours(options.k ?? 20, train.count),
    temperature: options.temperature ?? 0.07,
    batchSize: options.batchSize ?? 250,
    preprocess: evaluationPreprocess(options.input),
    everyEpochs: options.everyEpochs,
    epochs: options.epochs,
    beforeTraining: options.beforeTraining,
    ...(options.ranks ? { ranks: options.ranks } : {}),
  });
}
