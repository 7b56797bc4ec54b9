import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

/** A tensor as the reference fixtures store it: flat row-major `data` of `shape`. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/**
 * The folder of reference fixtures: `$SELFSUP_REFERENCE_DIR` when set, else
 * `../shared/fixtures/reference` beside the repository.
 */
export function referenceDir(): string {
  const fromEnv = process.env.SELFSUP_REFERENCE_DIR;
  if (fromEnv) return resolve(fromEnv);
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
  return resolve(repoRoot, '..', 'shared', 'fixtures', 'reference');
}

const cache = new Map<string, unknown>();

/** Reads and parses one fixture file (`vit.json`, ...) from {@link referenceDir}. */
export function loadFixture<T = unknown>(file: string): T {
  const path = join(referenceDir(), file);
  if (!cache.has(path)) {
    if (!existsSync(path)) {
      throw new Error(`reference fixture ${path} not found: set SELFSUP_REFERENCE_DIR to the folder holding the reference fixtures`);
    }
    cache.set(path, JSON.parse(readFileSync(path, 'utf8')));
  }
  return cache.get(path) as T;
}

/** A fixture tensor as a tf tensor (float32 unless `dtype` says otherwise). The caller owns it. */
export function fromFixture(t: FixtureTensor, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return tf.tensor(t.data, t.shape, dtype);
}

/** NCHW fixture images as an NHWC tf tensor. The caller owns it. */
export function imagesFromFixture(t: FixtureTensor): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [0, 2, 3, 1]));
}
