import type { Backbone, HostTensor } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import { extractFeatures, type FeatureToken } from '@selfsup/eval';
import { evaluationPreprocess } from '@selfsup/ibot';
import type { MethodInput } from './method-registry.js';

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
