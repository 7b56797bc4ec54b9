import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger, invalidArgument, type Backbone } from '@selfsup/core';
import { extractFeatures, type FeatureToken, type ImageBatches, type ImageBytes } from './extract-features.js';
import { knnClassifier } from './knn-classifier.js';
import { extractFeaturesOnRanks, type FeatureRanks } from './extract-features-on-ranks.js';

/**
 * Images a monitor can read again at every evaluation: a whole NHWC tensor (kept alive by the
 * caller), {@link ImageBytes}, or a function making fresh batches each time it is called.
 */
export type RepeatableImageSource = tf.Tensor4D | ImageBytes | (() => ImageBatches);

/** Options of {@link createKnnMonitor}. */
export interface KnnMonitorOptions {
  /** The labelled (memory bank) images. */
  trainImages: RepeatableImageSource;
  /** `[trainCount]` their class indices. */
  trainLabels: ArrayLike<number>;
  /** The held-out images to classify. */
  testImages: RepeatableImageSource;
  /** `[testCount]` their class indices. */
  testLabels: ArrayLike<number>;
  /**
   * Evaluate after every this many epochs: after epochs `everyEpochs`, `2 * everyEpochs`, ... (the
   * 0-based epochs `everyEpochs - 1`, `2 * everyEpochs - 1`, ...). 0 evaluates only after the last
   * epoch (and before training with `beforeTraining`), which needs `epochs`.
   * @defaultValue 1
   */
  everyEpochs?: number;
  /**
   * The run's number of epochs: when given, the last epoch is always evaluated.
   * @defaultValue none
   */
  epochs?: number;
  /**
   * Also evaluate the untrained backbone: the monitor called with epoch -1 (before the first epoch)
   * evaluates, and its result has epoch -1 (the baseline that training should beat).
   * @defaultValue false
   */
  beforeTraining?: boolean;
  /** @defaultValue 20 */
  k?: number;
  /** @defaultValue 0.07 */
  temperature?: number;
  /** @defaultValue one more than the largest label */
  classCount?: number;
  /** Which tokens make the feature (see {@link FeatureToken}). @defaultValue 'class' */
  token?: FeatureToken;
  /** Images per forward pass for tensor and byte sources. @defaultValue 64 */
  batchSize?: number;
  /** Applied to each batch before the backbone (see {@link ExtractFeaturesOptions}). @defaultValue none */
  preprocess?: (images: tf.Tensor4D) => tf.Tensor4D;
  /**
   * Called with every result, e.g. to log it.
   * @defaultValue none
   */
  onResult?: (result: KnnMonitorResult) => void;
  /**
   * The ranks of a data-parallel run (its communicator): each rank extracts the features of its
   * block of the train and test images and they are gathered to every rank
   * ({@link extractFeaturesOnRanks}), so every rank gets the accuracy of one process in a
   * `worldSize`-th of the time. Every rank must call the monitor. Function sources are extracted
   * whole on every rank (they cannot be split by rows).
   * @defaultValue one process
   */
  ranks?: FeatureRanks;
}

/** One evaluation of a {@link KnnMonitor}. */
export interface KnnMonitorResult {
  /** The 0-based epoch just finished; -1 before training. */
  readonly epoch: number;
  /** Top-1 k-NN accuracy on the test images, in percent. */
  readonly top1: number;
  /** Top-5 k-NN accuracy, in percent. */
  readonly top5: number;
}

/**
 * Call after each epoch with the backbone to judge (the teacher, the student, or each in turn) and
 * the 0-based epoch just finished (-1 before training); resolves to the k-NN accuracy on evaluation
 * epochs and to `undefined` otherwise.
 */
export interface KnnMonitor {
  (backbone: Backbone, epoch: number): Promise<KnnMonitorResult | undefined>;
  /**
   * Whether the monitor evaluates after the 0-based `epoch` (-1: before training), so that a
   * caller judging several backbones, or timing the evaluation, asks once.
   */
  isDue(epoch: number): boolean;
  /**
   * Evaluates `backbone` now, whatever the schedule (a final or a one-off evaluation); the result
   * carries `epoch` and goes to `onResult` like the scheduled ones.
   */
  evaluate(backbone: Backbone, epoch: number): Promise<KnnMonitorResult>;
}

/**
 * Makes a k-NN monitor for a pretraining loop: every `everyEpochs` epochs (and before training
 * with `beforeTraining`) it extracts normalised features of the training and test images with the
 * backbone and runs {@link knnClassifier} (k = 20, T = 0.07 by default, as DINO and iBOT report),
 * so a run shows how its features improve without a separate evaluation job. Features are
 * recomputed at each evaluation (the backbone changes); nothing is kept between calls, and no
 * tensor outlives a call. The same monitor judges several backbones (teacher and student) when
 * called with each.
 *
 * @example
 * ```ts
 * const monitor = createKnnMonitor({ trainImages, trainLabels, testImages, testLabels, everyEpochs: 5, epochs, beforeTraining: true });
 * for (let epoch = -1; epoch < epochs; epoch++) {
 *   if (epoch >= 0) {
 *     // ... train one epoch ...
 *   }
 *   const knn = await monitor(teacher, epoch);
 *   if (knn) console.log(`epoch ${epoch}: k-NN top-1 ${knn.top1.toFixed(1)}%`);
 * }
 * ```
 */
export function createKnnMonitor(options: KnnMonitorOptions): KnnMonitor {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'createKnnMonitor(options)', expected: 'an options object', actual: options });
  }
  const everyEpochs = checkInteger('createKnnMonitor(options.everyEpochs)', options.everyEpochs ?? 1, 0);
  const epochs = options.epochs === undefined ? undefined : checkInteger('createKnnMonitor(options.epochs)', options.epochs, 1);
  if (everyEpochs === 0 && epochs === undefined) {
    throw invalidArgument({
      argument: 'createKnnMonitor(options.epochs)',
      expected: 'the number of epochs when everyEpochs is 0 (evaluate after the last epoch only)',
      actual: undefined,
      fix: 'Pass epochs, or everyEpochs >= 1.',
    });
  }
  const beforeTraining = options.beforeTraining ?? false;
  const { trainImages, trainLabels, testImages, testLabels, k, temperature, classCount, token, batchSize, preprocess, onResult, ranks } =
    options;
  checkSource('trainImages', trainImages, trainLabels);
  checkSource('testImages', testImages, testLabels);

  const isDue = (epoch: number): boolean => {
    checkInteger('knnMonitor.isDue(epoch)', epoch, -1);
    if (epoch === -1) return beforeTraining;
    return (everyEpochs > 0 && (epoch + 1) % everyEpochs === 0) || (epochs !== undefined && epoch === epochs - 1);
  };
  const evaluate = async (backbone: Backbone, epoch: number): Promise<KnnMonitorResult> => {
    checkInteger('knnMonitor.evaluate(epoch)', epoch, -1);
    const extractOptions = { token, batchSize, preprocess, normalize: true };
    const features = (source: RepeatableImageSource) =>
      ranks === undefined || typeof source === 'function'
        ? extractFeatures(backbone, sourceOf(source), extractOptions)
        : extractFeaturesOnRanks(backbone, source, ranks, extractOptions);
    const trainFeatures = await features(trainImages);
    const testFeatures = await features(testImages);
    const { top1, top5 } = await knnClassifier({ trainFeatures, trainLabels, testFeatures, testLabels, k, temperature, classCount });
    const result: KnnMonitorResult = { epoch, top1, top5 };
    onResult?.(result);
    return result;
  };
  const monitor = async (backbone: Backbone, epoch: number): Promise<KnnMonitorResult | undefined> => {
    checkInteger('knnMonitor(epoch)', epoch, -1);
    return isDue(epoch) ? evaluate(backbone, epoch) : undefined;
  };
  return Object.assign(monitor, { isDue, evaluate });
}

function sourceOf(source: RepeatableImageSource): tf.Tensor4D | ImageBytes | ImageBatches {
  return typeof source === 'function' ? source() : source;
}

function checkSource(name: string, source: RepeatableImageSource, labels: ArrayLike<number>): void {
  const argument = `createKnnMonitor(options.${name})`;
  let count: number | undefined;
  if (source instanceof tf.Tensor) {
    if (source.rank !== 4) {
      throw invalidArgument({ argument, expected: 'a rank-4 NHWC tensor', actual: `a tensor of shape [${source.shape.join(', ')}]` });
    }
    count = source.shape[0];
  } else if (source !== null && typeof source === 'object' && source.images instanceof Uint8Array) {
    const imageSize = source.height * source.width * source.channels;
    count = Number.isInteger(imageSize) && imageSize > 0 ? source.images.length / imageSize : undefined;
  } else if (typeof source !== 'function') {
    throw invalidArgument({
      argument,
      expected: 'an NHWC tensor, image bytes { images, height, width, channels }, or a function returning batches',
      actual: source,
      fix: 'An iterable can be read only once: wrap it in a function that makes a fresh one, () => batches().',
    });
  }
  const labelName = name.replace('Images', 'Labels');
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw invalidArgument({ argument: `createKnnMonitor(options.${labelName})`, expected: 'an array of class indices', actual: labels });
  }
  if (count !== undefined && labels.length !== count) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `createKnnMonitor(options.${labelName}): expected ${count} labels (one per image of ${name}), got ${labels.length}.`,
      { details: { argument: `createKnnMonitor(options.${labelName})`, expected: count, actual: labels.length } },
    );
  }
}
