import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SslError, invalidArgument } from '@selfsup/core';
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from './class-names.js';
import { readIdx, type IdxArray } from './idx.js';
import type { ImageDataset } from './image-dataset.js';

/** A split of an IDX dataset: `train` (60,000 images for MNIST-like sets) or `test` (10,000). */
export type IdxSplit = 'train' | 'test';

/** The IDX datasets whose class names are known. */
export type IdxDatasetName = 'fashion-mnist' | 'mnist';

/** Options of {@link loadIdxDataset}. */
export interface LoadIdxDatasetOptions {
  /** The folder holding the four IDX files (e.g. Debian's `/usr/share/datasets/fashion-mnist`). */
  folder: string;
  /**
   * Which split to read.
   * @defaultValue 'train'
   */
  split?: IdxSplit;
  /**
   * Which dataset it is, for the class names.
   * @defaultValue 'fashion-mnist'
   */
  name?: IdxDatasetName;
  /**
   * The most bytes each IDX file may hold once gunzipped; a larger header is refused before
   * anything is inflated.
   * @defaultValue `DEFAULT_MAX_IDX_BYTES` (1 GiB)
   */
  maxBytes?: number;
}

/**
 * The standard file names of a split, without `.gz`: `train-images-idx3-ubyte` and
 * `train-labels-idx1-ubyte`, or `t10k-...` for the test split (the names of the official
 * downloads and of Debian's `dataset-fashion-mnist` package).
 *
 * @example
 * ```ts
 * idxFileNames('test'); // { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' }
 * ```
 */
export function idxFileNames(split: IdxSplit): { images: string; labels: string } {
  const prefix = split === 'train' ? 'train' : 't10k';
  return { images: `${prefix}-images-idx3-ubyte`, labels: `${prefix}-labels-idx1-ubyte` };
}

/** The path of `base` in `folder`: gzipped, plain, or with MNIST's unpacked `.idx3-ubyte` spelling. */
function findFile(folder: string, base: string, caller: string): string {
  const candidates = [`${base}.gz`, base, base.replace(/-(idx\d-ubyte)$/, '.$1')];
  for (const name of candidates) {
    const path = join(folder, name);
    if (existsSync(path)) return path;
  }
  throw new SslError(
    'INVALID_ARGUMENT',
    `${caller}: ${join(folder, `${base}.gz`)} not found (nor ${candidates.slice(1).join(' or ')}). ` +
      'Point options.folder at the folder of the IDX files: on Debian, `apt-get install dataset-fashion-mnist` puts Fashion-MNIST in ' +
      '/usr/share/datasets/fashion-mnist; or fetch it with downloadIdxDataset, or use loadBundledFashionMnist for a small subset.',
    { details: { folder, file: base, candidates } },
  );
}

/**
 * The paths of a split's two IDX files in `folder` (each gzipped, plain, or with MNIST's unpacked
 * `.idx3-ubyte` spelling), found without reading them: a check that costs nothing before a
 * minute of decoding another split.
 *
 * @throws SslError `INVALID_ARGUMENT` naming the first file not found, and where the files come from
 *   (`details`: `folder`, `file` and the `candidates` looked for).
 * @example
 * ```ts
 * findIdxSplitFiles('/usr/share/datasets/fashion-mnist', 'test'); // { images: '.../t10k-images-idx3-ubyte.gz', labels: ... }
 * ```
 */
export function findIdxSplitFiles(folder: string, split: IdxSplit): { images: string; labels: string } {
  return splitFiles(folder, split, 'findIdxSplitFiles');
}

/** {@link findIdxSplitFiles}, its errors naming `caller`. */
function splitFiles(folder: string, split: IdxSplit, caller: string): { images: string; labels: string } {
  const files = idxFileNames(split);
  return { images: findFile(folder, files.images, caller), labels: findFile(folder, files.labels, caller) };
}

async function readIdxFile(path: string, maxBytes: number | undefined): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new SslError('INVALID_ARGUMENT', `loadIdxDataset: cannot read ${path} (${(cause as Error).message}).`, { cause });
  }
  return readIdx(bytes, path, maxBytes === undefined ? {} : { maxBytes });
}

/**
 * Reads one split of an MNIST-like IDX dataset (MNIST, Fashion-MNIST) from a folder holding the
 * standard files, gzipped or not. Both files are checked in full before anything is returned:
 * a missing file, a damaged file, images and labels of different counts or a label outside the
 * classes throw an `SslError` naming the file.
 *
 * @example
 * ```ts
 * const train = await loadIdxDataset({ folder: '/usr/share/datasets/fashion-mnist', split: 'train' });
 * train.count; // 60000
 * train.classNames[train.labels[0]]; // 'Ankle boot'
 * ```
 */
export async function loadIdxDataset(options: LoadIdxDatasetOptions): Promise<ImageDataset> {
  if (options === null || typeof options !== 'object' || typeof options.folder !== 'string') {
    throw invalidArgument({ argument: 'loadIdxDataset(options.folder)', expected: 'a folder path', actual: options?.folder });
  }
  const split = options.split ?? 'train';
  if (split !== 'train' && split !== 'test') {
    throw invalidArgument({ argument: 'loadIdxDataset(options.split)', expected: '"train" or "test"', actual: split });
  }
  const name = options.name ?? 'fashion-mnist';
  if (name !== 'fashion-mnist' && name !== 'mnist') {
    throw invalidArgument({ argument: 'loadIdxDataset(options.name)', expected: '"fashion-mnist" or "mnist"', actual: name });
  }
  const classNames = name === 'mnist' ? MNIST_CLASS_NAMES : FASHION_MNIST_CLASS_NAMES;
  const { images: imagesPath, labels: labelsPath } = splitFiles(options.folder, split, 'loadIdxDataset');
  const [images, labels] = await Promise.all([readIdxFile(imagesPath, options.maxBytes), readIdxFile(labelsPath, options.maxBytes)]);
  return idxToDataset(images, labels, imagesPath, labelsPath, classNames);
}

/**
 * Checks an images array `[count, height, width]` (or `[count, height, width, channels]`) and a
 * labels array `[count]` of uint8 read from IDX files, and makes a dataset of them.
 */
export function idxToDataset(
  images: IdxArray,
  labels: IdxArray,
  imagesSource: string,
  labelsSource: string,
  classNames: readonly string[],
): ImageDataset {
  if (images.dtype !== 'uint8' || (images.shape.length !== 3 && images.shape.length !== 4)) {
    throw new SslError(
      'DATA_CORRUPT',
      `${imagesSource}: expected uint8 images [count, height, width], got ${images.dtype} [${images.shape.join(', ')}]. Is it a labels file?`,
    );
  }
  if (labels.dtype !== 'uint8' || labels.shape.length !== 1) {
    throw new SslError(
      'DATA_CORRUPT',
      `${labelsSource}: expected uint8 labels [count], got ${labels.dtype} [${labels.shape.join(', ')}]. Is it an images file?`,
    );
  }
  const [count, height, width, channels = 1] = images.shape as [number, number, number, number?];
  if (labels.shape[0] !== count) {
    throw new SslError(
      'DATA_CORRUPT',
      `${labelsSource} holds ${labels.shape[0]} labels but ${imagesSource} holds ${count} images. The two files come from different splits or datasets.`,
    );
  }
  const labelValues = Int32Array.from(labels.data as Uint8Array);
  for (let i = 0; i < labelValues.length; i++) {
    if (labelValues[i]! >= classNames.length) {
      throw new SslError(
        'DATA_CORRUPT',
        `${labelsSource}: label ${labelValues[i]} at index ${i} is not one of the ${classNames.length} classes.`,
      );
    }
  }
  return { images: images.data as Uint8Array, labels: labelValues, count, height, width, channels, classNames: [...classNames] };
}
