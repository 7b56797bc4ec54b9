import { fileURLToPath } from 'node:url';
import { invalidArgument } from '@selfsup/core';
import { loadIdxDataset, type IdxSplit } from './idx-dataset.js';
import type { ImageDataset } from './image-dataset.js';

/** The folder of the bundled Fashion-MNIST subset (IDX, gzipped, with its LICENSE and README). */
export function bundledFashionMnistFolder(): string {
  return fileURLToPath(new URL('../assets/fashion-mnist-subset/', import.meta.url));
}

/**
 * Loads the small Fashion-MNIST subset shipped with this package: 1,000 training and 500 test
 * images, class-balanced (100 and 50 per class), chosen with a fixed seed from the official
 * splits (see `assets/fashion-mnist-subset/README.md`). Fashion-MNIST is MIT-licensed,
 * Copyright (c) 2017 Zalando SE. Enough for examples, smoke runs and tests without a download.
 *
 * @example
 * ```ts
 * const train = await loadBundledFashionMnist('train');
 * train.count; // 1000
 * ```
 */
export async function loadBundledFashionMnist(split: IdxSplit = 'train'): Promise<ImageDataset> {
  if (split !== 'train' && split !== 'test') {
    throw invalidArgument({ argument: 'loadBundledFashionMnist(split)', expected: '"train" or "test"', actual: split });
  }
  return loadIdxDataset({ folder: bundledFashionMnistFolder(), split, name: 'fashion-mnist' });
}
