import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as tf from '@tensorflow/tfjs-core';

/** A tensor as the reference fixtures store it: flat row-major `data` of `shape`. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** The repository's own copy of the reference fixtures (`fixtures/reference/`, gzip-compressed JSON). */
export function bundledReferenceDir(): string {
  return fileURLToPath(new URL('../../../fixtures/reference/', import.meta.url));
}

/**
 * The folder of reference fixtures: `$SELFSUP_REFERENCE_DIR` when set, else the repository's own
 * copy, `fixtures/reference/`. Nothing outside the repository is read unless the variable says so.
 */
export function referenceDir(): string {
  const fromEnv = process.env.SELFSUP_REFERENCE_DIR;
  return fromEnv ? resolve(fromEnv) : bundledReferenceDir();
}

const cache = new Map<string, unknown>();

/**
 * Reads and parses one fixture (`vit.json`, ...) from {@link referenceDir}: the plain file when the
 * folder has it, else its gzip-compressed copy (`vit.json.gz`), as the repository stores them.
 */
export function loadFixture<T = unknown>(file: string): T {
  const path = join(referenceDir(), file);
  if (!cache.has(path)) cache.set(path, JSON.parse(readFixtureText(path)));
  return cache.get(path) as T;
}

function readFixtureText(path: string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8');
  if (existsSync(`${path}.gz`)) return gunzipSync(readFileSync(`${path}.gz`)).toString('utf8');
  throw new Error(
    `reference fixture ${path} (or ${path}.gz) not found: SELFSUP_REFERENCE_DIR is ` +
      `${process.env.SELFSUP_REFERENCE_DIR ? `'${process.env.SELFSUP_REFERENCE_DIR}'` : 'unset, so the repository copy fixtures/reference/ is read'}; ` +
      'point it at a folder of fixtures in the same format, or unset it.',
  );
}

/** A fixture tensor as a tf tensor (float32 unless `dtype` says otherwise). The caller owns it. */
export function fromFixture(t: FixtureTensor, dtype: 'float32' | 'int32' = 'float32'): tf.Tensor {
  return tf.tensor(t.data, t.shape, dtype);
}

/** NCHW fixture images as an NHWC tf tensor. The caller owns it. */
export function imagesFromFixture(t: FixtureTensor): tf.Tensor4D {
  return tf.tidy(() => tf.transpose(tf.tensor4d(t.data, t.shape as [number, number, number, number]), [0, 2, 3, 1]));
}
