import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SslError, invalidArgument } from '@selfsup/core';
import { gunzipIfNeeded, readIdx } from './idx.js';

/** One file of {@link DownloadIdxDatasetOptions}. */
export interface IdxFileSource {
  /** The file name, both under `baseUrl` and in `cacheDir` (`train-images-idx3-ubyte.gz`). */
  readonly name: string;
  /**
   * The SHA-256 (hex) of the IDX content, after gunzip when the file is gzipped. The content is
   * hashed rather than the gzip stream, so that the same data compressed differently (Debian's
   * copies are recompressed) verifies alike. Without it, the file is only checked to be a whole,
   * well-formed IDX file.
   */
  readonly sha256?: string;
}

/** Options of {@link downloadIdxDataset}. */
export interface DownloadIdxDatasetOptions {
  /** The folder to keep the files in; made if missing. */
  cacheDir: string;
  /** The URL the file names are resolved against (ending in `/`). */
  baseUrl: string;
  /** The files to fetch. */
  files: readonly IdxFileSource[];
  /**
   * The fetch function (for proxies or tests).
   * @defaultValue globalThis.fetch
   */
  fetch?: typeof globalThis.fetch;
}

/**
 * Where Fashion-MNIST is published by its authors (Zalando Research), and the SHA-256 of each
 * file's IDX content. The hashes were computed from Debian's `dataset-fashion-mnist`
 * (0.0~git20200523.55506a9-1), which packages the files of the official repository: Debian's gzip
 * streams differ from the official ones (they were recompressed), their content does not.
 */
export const FASHION_MNIST_SOURCE: { readonly baseUrl: string; readonly files: readonly IdxFileSource[] } = Object.freeze({
  baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
  files: Object.freeze([
    { name: 'train-images-idx3-ubyte.gz', sha256: 'c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888' },
    { name: 'train-labels-idx1-ubyte.gz', sha256: 'bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9' },
    { name: 't10k-images-idx3-ubyte.gz', sha256: '5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b' },
    { name: 't10k-labels-idx1-ubyte.gz', sha256: '0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34' },
  ]),
});

let temporaryCounter = 0;

/** Checks `bytes` against `file`; returns the problem, or undefined when they are good. */
function verify(bytes: Uint8Array, file: IdxFileSource, source: string): string | undefined {
  let content: Uint8Array;
  try {
    content = gunzipIfNeeded(bytes, source);
  } catch (error) {
    return (error as Error).message;
  }
  if (file.sha256 !== undefined) {
    const actual = createHash('sha256').update(content).digest('hex');
    if (actual !== file.sha256.toLowerCase()) {
      return `${source}: SHA-256 of its content is ${actual}, expected ${file.sha256}`;
    }
  }
  try {
    readIdx(content, source);
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/**
 * Downloads IDX files once into a cache folder and returns that folder, ready for
 * {@link loadIdxDataset}. A file already in the cache that verifies is not fetched again; one
 * that does not verify is fetched anew. A download is checked (its SHA-256 when given, and that
 * it is a whole IDX file) before it is written, under a temporary name renamed into place, so
 * the cache never holds a partial or unverified file. A failed download or check throws an
 * `SslError` (`DATA_CORRUPT` for bad content) naming the URL.
 *
 * @example
 * ```ts
 * const folder = await downloadIdxDataset({ cacheDir: '/tmp/fashion-mnist', ...FASHION_MNIST_SOURCE });
 * const train = await loadIdxDataset({ folder, split: 'train' });
 * ```
 */
export async function downloadIdxDataset(options: DownloadIdxDatasetOptions): Promise<string> {
  if (options === null || typeof options !== 'object' || typeof options.cacheDir !== 'string') {
    throw invalidArgument({ argument: 'downloadIdxDataset(options.cacheDir)', expected: 'a folder path', actual: options?.cacheDir });
  }
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    throw invalidArgument({ argument: 'downloadIdxDataset(options.baseUrl)', expected: 'an absolute URL', actual: options.baseUrl });
  }
  if (!Array.isArray(options.files) || options.files.length === 0) {
    throw invalidArgument({ argument: 'downloadIdxDataset(options.files)', expected: 'a non-empty array of { name, sha256 }', actual: options.files });
  }
  for (const file of options.files) {
    if (typeof file?.name !== 'string' || !/^[\w.-]+$/.test(file.name)) {
      throw invalidArgument({ argument: 'downloadIdxDataset(options.files[].name)', expected: 'a plain file name', actual: file?.name });
    }
    if (file.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(file.sha256)) {
      throw invalidArgument({ argument: `downloadIdxDataset(options.files["${file.name}"].sha256)`, expected: '64 hex digits', actual: file.sha256 });
    }
  }
  const fetchFunction = options.fetch ?? globalThis.fetch;
  await mkdir(options.cacheDir, { recursive: true });

  for (const file of options.files) {
    const target = join(options.cacheDir, file.name);
    if (existsSync(target)) {
      const cached = new Uint8Array(await readFile(target));
      if (verify(cached, file, target) === undefined) continue;
    }
    const url = new URL(file.name, base).href;
    let bytes: Uint8Array;
    try {
      const response = await fetchFunction(url);
      if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (cause) {
      throw new SslError(
        'INVALID_ARGUMENT',
        `downloadIdxDataset: could not download ${url} (${(cause as Error).message}). Check the network and options.baseUrl, or put the files in ${options.cacheDir} yourself.`,
        { cause, details: { url } },
      );
    }
    const problem = verify(bytes, file, url);
    if (problem !== undefined) {
      throw new SslError('DATA_CORRUPT', `downloadIdxDataset: ${problem}. Nothing was written to ${options.cacheDir}; try again later.`, {
        details: { url },
      });
    }
    temporaryCounter += 1;
    const temporary = `${target}.${process.pid}.${temporaryCounter}.partial`;
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, target);
    } catch (cause) {
      await rm(temporary, { force: true });
      throw new SslError('INVALID_ARGUMENT', `downloadIdxDataset: cannot write ${target} (${(cause as Error).message}).`, { cause });
    }
  }
  return options.cacheDir;
}
