import { join, resolve } from 'node:path';
import { SslError, isSslError } from '@selfsup/core';
import { holdOutLast } from '@selfsup/data';
import { findIdxSplitFiles, loadBundledFashionMnist, loadFashionMnist, loadIdxDataset, loadImageFolder, type ImageDataset, type SkippedEntry } from '@selfsup/data/node';
import type { DataConfig } from './cli-config-schema.js';
import { checkImageFolderSplits } from './check-image-folder-splits.js';

/** The images of a run: the training set (also the k-NN memory bank) and the held-out set. */
export interface RunDatasets {
  /** A short name for messages (`fashion-mnist-subset`). */
  readonly name: string;
  readonly train: ImageDataset;
  /**
   * The images k-NN is evaluated on (none with `heldOut: none`); with `heldOut: { from: train, last }`
   * the last training images, and `train` holds the others.
   */
  readonly heldOut?: ImageDataset;
  /** Entries of an image folder that were not read (other files, broken links, ...), and why. */
  readonly skipped: readonly SkippedEntry[];
}

/** Codes of the data readers that mean the files themselves are bad input (exit 2), not a failed run. */
const BAD_DATA_CODES = ['INVALID_ARGUMENT', 'DATA_CORRUPT', 'NOT_SUPPORTED'] as const;

/**
 * One split of the data. An image folder's held-out split is read with the training split's
 * classes (`classNames`), so that a label means the same class in both, even when the held-out
 * split lacks a class; a class only the held-out split has is refused.
 */
async function loadSplit(
  data: DataConfig,
  split: string,
  channels: number,
  cwd: string,
  classNames?: readonly string[],
): Promise<ImageDataset & { skipped?: readonly SkippedEntry[] }> {
  const folder = data.folder === undefined ? undefined : resolve(cwd, data.folder);
  switch (data.dataset) {
    case 'fashion-mnist-subset':
      return loadBundledFashionMnist(split as 'train' | 'test');
    case 'fashion-mnist':
      return loadFashionMnist({ split: split as 'train' | 'test', download: data.download, ...(folder ? { folder } : {}) });
    case 'mnist':
      return loadIdxDataset({ folder: folder!, split: split as 'train' | 'test', name: 'mnist' });
    case 'image-folder':
      return loadImageFolder(join(folder!, split), { channels: channels === 1 ? 1 : 3, ...(classNames ? { classNames } : {}) });
  }
}

/**
 * Checks, before the training split is decoded, that an IDX folder (`data.folder` of `mnist` or
 * `fashion-mnist`) holds the held-out split's files, and refuses it with `INVALID_CONFIG` naming
 * `data.heldOut` otherwise.
 */
function checkIdxHeldOutFiles(folder: string): void {
  try {
    findIdxSplitFiles(folder, 'test');
  } catch (error) {
    if (!isSslError(error, 'INVALID_ARGUMENT')) throw error;
    const { file, candidates } = error.details as { file: string; candidates: readonly string[] };
    throw new SslError(
      'INVALID_CONFIG',
      `data.heldOut: test needs the test split's IDX files in data.folder: ${join(folder, candidates[0]!)} not found ` +
        `(nor ${candidates.slice(1).join(' or ')}). Add the ${file} file there, ` +
        'or set data.heldOut to { from: train, last: 10000 } to hold out the last training images, or to none.',
      { cause: error, details: { key: 'data.heldOut', expected: `the test files in ${folder}`, actual: 'test' } },
    );
  }
}

/** `data.heldOut: { from: train, last }`: the training split without its last images, and those images. */
function holdOutOfTrain(
  train: ImageDataset & { skipped?: readonly SkippedEntry[] },
  last: number,
  dataset: string,
): { train: ImageDataset & { skipped?: readonly SkippedEntry[] }; heldOut: ImageDataset } {
  if (last >= train.count) {
    throw new SslError(
      'INVALID_CONFIG',
      `data.heldOut.last: expected fewer than the ${train.count} training images of ${dataset}, got ${last}. ` +
        `Hold out part of them (e.g. last: ${Math.max(1, Math.floor(train.count / 6))}), so that some remain to train on.`,
      { details: { key: 'data.heldOut.last', expected: `< ${train.count}`, actual: last } },
    );
  }
  const { kept, heldOut } = holdOutLast(train, last);
  return { train: { ...kept, ...(train.skipped ? { skipped: train.skipped } : {}) }, heldOut };
}

/**
 * Loads the data sets a config's `data:` section names, and checks them against the backbone:
 * the channels must match `backbone.inChannels`. A missing folder or file is reported as a
 * configuration error naming `data.folder`, and so are files the readers refuse (damaged, or over
 * a size limit). An image folder's entries that were not read are listed in `skipped`. With
 * `heldOut: { from: train, last: n }` the training split's last n images are the held-out set and
 * `train` is the rest (what the run trains on and k-NN fits on).
 *
 * @param channels - the image channels of the backbone.
 * @param cwd - the folder relative paths are read from.
 * @example
 * ```ts
 * const { train, heldOut } = await loadDatasets({ dataset: 'fashion-mnist-subset', download: false, heldOut: 'test' }, 1);
 * ```
 */
export async function loadDatasets(data: DataConfig, channels: number, cwd = process.cwd()): Promise<RunDatasets> {
  let train: ImageDataset & { skipped?: readonly SkippedEntry[] };
  let heldOut: (ImageDataset & { skipped?: readonly SkippedEntry[] }) | undefined;
  if (data.dataset === 'image-folder' && data.folder !== undefined) {
    checkImageFolderSplits(resolve(cwd, data.folder), typeof data.heldOut === 'string' && data.heldOut !== 'none' ? data.heldOut : undefined);
  }
  if ((data.dataset === 'mnist' || data.dataset === 'fashion-mnist') && data.folder !== undefined && data.heldOut === 'test') {
    checkIdxHeldOutFiles(resolve(cwd, data.folder));
  }
  try {
    train = await loadSplit(data, 'train', channels, cwd);
    heldOut = data.heldOut === 'none' || typeof data.heldOut === 'object' ? undefined : await loadSplit(data, data.heldOut, channels, cwd, train.classNames);
  } catch (error) {
    if (!isSslError(error) || !(BAD_DATA_CODES as readonly string[]).includes(error.code)) throw error;
    throw new SslError('INVALID_CONFIG', `data: the ${data.dataset} images cannot be loaded: ${error.message}`, {
      cause: error,
      details: { key: data.folder === undefined ? 'data.dataset' : 'data.folder' },
    });
  }
  if (train.channels !== channels) {
    throw new SslError(
      'INVALID_CONFIG',
      `backbone.inChannels: expected ${train.channels} (the channels of the ${data.dataset} images), got ${channels}.`,
      { details: { key: 'backbone.inChannels', expected: train.channels, actual: channels } },
    );
  }
  if (typeof data.heldOut === 'object') ({ train, heldOut } = holdOutOfTrain(train, data.heldOut.last, data.dataset));
  const skipped = [...(train.skipped ?? []), ...(heldOut?.skipped ?? [])];
  return { name: data.dataset, train, ...(heldOut ? { heldOut } : {}), skipped };
}
