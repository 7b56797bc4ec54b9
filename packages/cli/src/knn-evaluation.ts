import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, HostTensor } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import { extractFeatures, knnClassifier, type FeatureToken } from '@selfsup/eval';
import type { MethodInput } from './method-registry.js';

/**
 * The images as the backbone saw them in training: resized to the global crop size when they
 * differ, then normalised with the crops' per-channel mean and standard deviation. Runs inside
 * `extractFeatures`' `tf.tidy`.
 */
export function evaluationPreprocess(
  input: MethodInput,
  height: number,
  width: number,
): ((images: tf.Tensor4D) => tf.Tensor4D) & { dispose(): void } {
  const mean = tf.tensor1d([...input.mean]);
  const std = tf.tensor1d([...input.std]);
  const preprocess = (images: tf.Tensor4D): tf.Tensor4D => {
    const sized = height === input.imageSize && width === input.imageSize ? images : tf.image.resizeBilinear(images, [input.imageSize, input.imageSize], false, true);
    // [B, H, W, C] - [C], / [C]
    return tf.div(tf.sub(sized, mean), std) as tf.Tensor4D;
  };
  tf.keep(mean);
  tf.keep(std);
  return Object.assign(preprocess, { dispose: () => tf.dispose([mean, std]) });
}

/** Options of {@link datasetFeatures}. */
export interface DatasetFeaturesOptions {
  readonly input: MethodInput;
  /** @defaultValue 'class' */
  readonly token?: FeatureToken;
  /** @defaultValue true */
  readonly normalize?: boolean;
  /** @defaultValue 250 */
  readonly batchSize?: number;
}

/** Features of every image of a data set, preprocessed as in training (see {@link evaluationPreprocess}). */
export async function datasetFeatures(backbone: Backbone, dataset: ImageDataset, options: DatasetFeaturesOptions): Promise<HostTensor> {
  const preprocess = evaluationPreprocess(options.input, dataset.height, dataset.width);
  try {
    return await extractFeatures(backbone, dataset, {
      token: options.token ?? 'class',
      normalize: options.normalize ?? true,
      batchSize: options.batchSize ?? 250,
      preprocess,
    });
  } finally {
    preprocess.dispose();
  }
}

/** Options of {@link evaluateKnn}. */
export interface EvaluateKnnOptions extends DatasetFeaturesOptions {
  /** @defaultValue 20 */
  readonly k?: number;
  /** @defaultValue 0.07 */
  readonly temperature?: number;
}

/**
 * The weighted k-NN accuracy of a backbone's features: the training images are the memory bank,
 * the held-out images are classified (DINO's and iBOT's `eval_knn.py` protocol).
 *
 * @returns top-1 and top-5 accuracy in percent.
 * @example
 * ```ts
 * const { top1 } = await evaluateKnn(teacher, train, test, { input: { channels: 1, imageSize: 28, mean: [0.286], std: [0.353] } });
 * ```
 */
export async function evaluateKnn(
  backbone: Backbone,
  train: ImageDataset,
  heldOut: ImageDataset,
  options: EvaluateKnnOptions,
): Promise<{ top1: number; top5: number }> {
  const trainFeatures = await datasetFeatures(backbone, train, options);
  const testFeatures = await datasetFeatures(backbone, heldOut, options);
  const classCount = Math.max(train.classNames.length, heldOut.classNames.length);
  const { top1, top5 } = await knnClassifier({
    trainFeatures,
    trainLabels: train.labels,
    testFeatures,
    testLabels: heldOut.labels,
    k: Math.min(options.k ?? 20, train.count),
    temperature: options.temperature ?? 0.07,
    classCount,
  });
  return { top1, top5 };
}
