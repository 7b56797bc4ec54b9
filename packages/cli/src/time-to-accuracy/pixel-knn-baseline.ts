import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SslError, type HostTensor } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import { knnClassifier } from '@selfsup/eval';
import { inputOf } from '../method-registry.js';
import { parseCliConfig } from '../parse-cli-config.js';
import { loadDatasets } from '../load-datasets.js';
import { loadConfigFile } from '../load-config-file.js';
import { heldOutLabel } from '../held-out-label.js';

/** The raw-pixel k-NN of a run's data: what its features must beat. */
export interface PixelKnnBaseline {
  readonly top1: number;
  readonly top5: number;
  /** What was classified (`test`, `train-last-10000`). */
  readonly heldOut: string;
  readonly k: number;
  readonly temperature: number;
  readonly trainImages: number;
  readonly testImages: number;
}

/**
 * Every image as one row of its pixels, normalised as the network sees them (`(x / 255 - mean) / std`
 * per channel, the method's input normalisation), then L2-normalised (an all-zero row stays zero).
 */
export function pixelFeatures(dataset: ImageDataset, normalization: { readonly mean: readonly number[]; readonly std: readonly number[] }): HostTensor {
  const channels = dataset.channels;
  const dim = dataset.height * dataset.width * channels;
  const data = new Float32Array(dataset.count * dim);
  for (let row = 0; row < dataset.count; row++) {
    let norm = 0;
    for (let i = 0; i < dim; i++) {
      const channel = i % channels;
      const value = (dataset.images[row * dim + i]! / 255 - normalization.mean[channel]!) / normalization.std[channel]!;
      data[row * dim + i] = value;
      norm += value * value;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let i = 0; i < dim; i++) data[row * dim + i]! *= scale;
  }
  return { shape: [dataset.count, dim], data };
}

/**
 * The weighted k-NN on raw pixels (normalised with the method's mean and standard deviation, each
 * image L2-normalised, cosine similarity: `eval_knn.py` with the identity as the network; on
 * Fashion-MNIST's test set this gives the 85.7% of issue 18) for the data a run was evaluated on: its
 * `config.yaml`'s `data` section (training images as memory, `data.heldOut` classified) and its
 * `run.knnK` and `run.knnTemperature`. The line a pretrained network's k-NN must cross, on the same
 * images.
 *
 * @example
 * ```ts
 * const pixels = await pixelKnnBaseline('runs/mae-fashion-mnist-fast'); // { top1, heldOut: 'train-last-10000', ... }
 * ```
 */
export async function pixelKnnBaseline(folder: string): Promise<PixelKnnBaseline> {
  const path = join(resolve(folder), 'config.yaml');
  if (!existsSync(path)) {
    throw new SslError('INVALID_ARGUMENT', `${folder}: expected a run folder of selfsup pretrain with a config.yaml, found none.`, {
      details: { argument: 'folder', expected: 'a run folder with config.yaml', actual: folder },
    });
  }
  const { method, config } = parseCliConfig(loadConfigFile(path), path);
  const input = inputOf(method, config);
  const data = await loadDatasets(config.data, input.channels);
  if (!data.heldOut) {
    throw new SslError('INVALID_ARGUMENT', `${path}: data.heldOut is none, so there are no held-out images to classify.`, {
      details: { argument: 'folder', expected: 'a run with held-out images', actual: folder },
    });
  }
  const k = Math.min(config.run.knnK, data.train.count);
  const { top1, top5 } = await knnClassifier({
    trainFeatures: pixelFeatures(data.train, input),
    trainLabels: data.train.labels,
    testFeatures: pixelFeatures(data.heldOut, input),
    testLabels: data.heldOut.labels,
    k,
    temperature: config.run.knnTemperature,
    classCount: Math.max(data.train.classNames.length, data.heldOut.classNames.length),
  });
  return {
    top1,
    top5,
    heldOut: heldOutLabel(config.data.heldOut),
    k,
    temperature: config.run.knnTemperature,
    trainImages: data.train.count,
    testImages: data.heldOut.count,
  };
}
