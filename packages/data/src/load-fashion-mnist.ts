import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SslError, checkOptions } from '@selfsup/core';
import { FASHION_MNIST_SOURCE, downloadIdxDataset } from './download-idx-dataset.js';
import { idxFileNames, loadIdxDataset, type IdxSplit } from './idx-dataset.js';
import type { ImageDataset } from './image-dataset.js';

/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_FASHION_MNIST_FOLDER = '/usr/share/datasets/fashion-mnist';

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /**
   * Which split.
   * @defaultValue 'train'
   */
  split?: IdxSplit;
  /**
   * A folder holding the IDX files. When given, only this folder is read.
   * @defaultValue Debian's folder if installed, else `cacheDir`
   */
  folder?: string;
  /**
   * The download cache.
   * @defaultValue `$XDG_CACHE_HOME/selfsup/fashion-mnist` or `~/.cache/selfsup/fashion-mnist`
   */
  cacheDir?: string;
  /**
   * Download the files into `cacheDir` when no local copy is found (checksums verified).
   * @defaultValue false
   */
  download?: boolean;
  /**
   * The fetch function for downloads.
   * @defaultValue globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
}

/** The default download cache of {@link loadFashionMnist}. */
export function defaultFashionMnistCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'selfsup', 'fashion-mnist');
}

function hasSplit(folder: string, split: IdxSplit): boolean {
  const names = idxFileNames(split);
  return [names.images, names.labels].every((n) => existsSync(join(folder, `${n}.gz`)) || existsSync(join(folder, n)));
}

/**
 * Loads the full Fashion-MNIST (60,000 training or 10,000 test images, 28 x 28 grayscale, ten
 * classes) from the first place that has it: `folder`, Debian's `/usr/share/datasets/fashion-mnist`,
 * the download cache, or, with `download: true`, the official source (downloaded once, checksums
 * verified). For the small subset shipped with this package, see {@link loadBundledFashionMnist}.
 *
 * @example
 * ```ts
 * const train = await loadFashionMnist({ split: 'train', download: true });
 * ```
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<ImageDataset> {
  options = checkOptions('loadFashionMnist(options)', options, true);
  const split = options.split ?? 'train';
  if (options.folder !== undefined) return loadIdxDataset({ folder: options.folder, split, name: 'fashion-mnist' });
  if (hasSplit(DEBIAN_FASHION_MNIST_FOLDER, split)) {
    return loadIdxDataset({ folder: DEBIAN_FASHION_MNIST_FOLDER, split, name: 'fashion-mnist' });
  }
  const cacheDir = options.cacheDir ?? defaultFashionMnistCacheDir();
  if (options.download) {
    const names = idxFileNames(split);
    await downloadIdxDataset({
      cacheDir,
      baseUrl: FASHION_MNIST_SOURCE.baseUrl,
      files: FASHION_MNIST_SOURCE.files.filter((f) => f.name.startsWith(names.images) || f.name.startsWith(names.labels)),
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
  }
  if (hasSplit(cacheDir, split)) return loadIdxDataset({ folder: cacheDir, split, name: 'fashion-mnist' });
  throw new SslError(
    'INVALID_ARGUMENT',
    `loadFashionMnist: no local copy of the ${split} split (looked in ${DEBIAN_FASHION_MNIST_FOLDER} and ${cacheDir}). ` +
      'Pass download: true to fetch it once, install it (`apt-get install dataset-fashion-mnist` on Debian), ' +
      'pass options.folder, or use loadBundledFashionMnist() for the small bundled subset.',
  );
}
