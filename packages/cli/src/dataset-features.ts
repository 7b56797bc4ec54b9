import * as tf from '@tensorflow/tfjs-core';
import type { Backbone, HostTensor } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import { extractFeatures, type FeatureToken } from '@selfsup/eval';
import type { MethodInput } from './method-registry.js';

/**
 * The images as the backbone saw them in training: resized to the global crop size when they
 * differ, then normalised with the crops' per-channel mean and standard deviation. Runs inside
 * `extractFeatures`' `tf.tidy`, which frees what it makes.
 */
export function evaluationPreprocess(input: MethodInput): (images: tf.Tensor4D) => tf.Tensor4D {
  return (images) => {
    const [, height, width] = images.shape;
    const size = input.imageSize;
    const sized = height === size && width === size ? images : tf.image.resizeBilinear(images, [size, size], false, true);
    // [B, H, W, C] - [C], / [C]
    return tf.div(tf.sub(sized, tf.tensor1d([...input.mean])), tf.tensor1d([...input.std])) as tf.Tensor4D;
  };
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
  return extractFeatures(backbone, dataset, {
    token: options.token ?? 'class',
    normalize: options.normalize ?? true,
    batchSize: options.batchSize ?? 250,
    preprocess: evaluationPreprocess(options.input),
  });
}
