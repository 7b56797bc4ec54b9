import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { writeIdx } from './idx.js';
import { findIdxSplitFiles, idxFileNames, loadIdxDataset } from './idx-dataset.js';

const root = mkdtempSync(join(tmpdir(), 'selfsup-idx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a split of `count` 2 x 3 images whose pixels are `10 * i + j` and labels `i % 10`. */
function writeSplit(folder: string, split: 'train' | 'test', count: number, options: { gzip?: boolean; labels?: number } = {}) {
  const names = idxFileNames(split);
  const pixels = Uint8Array.from({ length: count * 6 }, (_, k) => 10 * Math.floor(k / 6) + (k % 6));
  const labels = Uint8Array.from({ length: options.labels ?? count }, (_, i) => i % 10);
  const suffix = options.gzip === false ? '' : '.gz';
  writeFileSync(join(folder, names.images + suffix), writeIdx({ dtype: 'uint8', shape: [count, 2, 3], data: pixels }, { gzip: options.gzip !== false }));
  writeFileSync(join(folder, names.labels + suffix), writeIdx({ dtype: 'uint8', shape: [labels.length], data: labels }, { gzip: options.gzip !== false }));
}

async function expectError(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(isSslError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  expect((error as Error).message).toMatch(pattern);
}

describe('loadIdxDataset', () => {
  it('reads gzipped and plain splits with the standard names', async () => {
    const dir = mkdtempSync(join(root, 'ok-'));
    writeSplit(dir, 'train', 4);
    writeSplit(dir, 'test', 3, { gzip: false });
    const train = await loadIdxDataset({ folder: dir, split: 'train' });
    expect([train.count, train.height, train.width, train.channels]).toEqual([4, 2, 3, 1]);
    expect([...train.images.subarray(6, 12)]).toEqual([10, 11, 12, 13, 14, 15]); // image 1
    expect([...train.labels]).toEqual([0, 1, 2, 3]);
    expect(train.classNames[0]).toBe('T-shirt/top');
    const test = await loadIdxDataset({ folder: dir, split: 'test', name: 'mnist' });
    expect(test.count).toBe(3);
    expect(test.classNames[9]).toBe('9');
  });

  it('passes maxBytes to each file: a file over the limit is refused with NOT_SUPPORTED naming it', async () => {
    const dir = mkdtempSync(join(root, 'limit-'));
    writeSplit(dir, 'train', 4); // images: 16-byte header + 4 * 6 pixels = 40 bytes; labels: 8 + 4 = 12
    expect((await loadIdxDataset({ folder: dir, maxBytes: 40 })).count).toBe(4);
    await expectError(loadIdxDataset({ folder: dir, maxBytes: 39 }), 'NOT_SUPPORTED', /train-images-idx3-ubyte\.gz: its header \[4, 2, 3\] of uint8 needs 40 bytes, over the limit of 39 bytes/);
  });

  it('names a missing file and says how to get it', async () => {
    const dir = mkdtempSync(join(root, 'missing-'));
    writeSplit(dir, 'train', 2);
    rmSync(join(dir, 'train-labels-idx1-ubyte.gz'));
    await expectError(loadIdxDataset({ folder: dir }), 'INVALID_ARGUMENT', /train-labels-idx1-ubyte\.gz not found.*dataset-fashion-mnist/);
  });

  it('names a truncated file and returns nothing', async () => {
    const dir = mkdtempSync(join(root, 'cut-'));
    writeSplit(dir, 'train', 2, { gzip: false });
    const path = join(dir, 'train-images-idx3-ubyte');
    const bytes = writeIdx({ dtype: 'uint8', shape: [2, 2, 3], data: new Uint8Array(12) });
    writeFileSync(path, bytes.subarray(0, bytes.length - 1));
    await expectError(loadIdxDataset({ folder: dir }), 'DATA_CORRUPT', new RegExp(`${path.replace(/[.]/g, '\\.')}: truncated`));
  });

  it('rejects images and labels of different counts, and swapped files', async () => {
    const dir = mkdtempSync(join(root, 'count-'));
    writeSplit(dir, 'train', 3, { labels: 2 });
    await expectError(loadIdxDataset({ folder: dir }), 'DATA_CORRUPT', /holds 2 labels but .* holds 3 images/);
    const swapped = mkdtempSync(join(root, 'swap-'));
    writeSplit(swapped, 'train', 2);
    const names = idxFileNames('train');
    writeFileSync(join(swapped, `${names.images}.gz`), writeIdx({ dtype: 'uint8', shape: [2], data: Uint8Array.of(1, 2) }, { gzip: true }));
    await expectError(loadIdxDataset({ folder: swapped }), 'DATA_CORRUPT', /Is it a labels file/);
  });

  it('rejects a label outside the classes', async () => {
    const dir = mkdtempSync(join(root, 'label-'));
    writeSplit(dir, 'train', 1);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), writeIdx({ dtype: 'uint8', shape: [1], data: Uint8Array.of(10) }, { gzip: true }));
    await expectError(loadIdxDataset({ folder: dir }), 'DATA_CORRUPT', /label 10 at index 0/);
  });

  const debian = '/usr/share/datasets/fashion-mnist';
  it.skipIf(!existsSync(join(debian, 't10k-images-idx3-ubyte.gz')))('reads Debian\'s Fashion-MNIST test split', async () => {
    const test = await loadIdxDataset({ folder: debian, split: 'test' });
    expect([test.count, test.height, test.width]).toEqual([10000, 28, 28]);
    const perClass = new Array(10).fill(0);
    for (const label of test.labels) perClass[label]++;
    expect(perClass).toEqual(new Array(10).fill(1000));
  });
});

describe('findIdxSplitFiles', () => {
  it('finds a split\'s two files in any of their spellings without reading them, and names the first one missing', () => {
    const dir = mkdtempSync(join(root, 'find-'));
    writeSplit(dir, 'train', 2);
    writeFileSync(join(dir, 't10k-images.idx3-ubyte'), 'not read');
    expect(findIdxSplitFiles(dir, 'train')).toEqual({ images: join(dir, 'train-images-idx3-ubyte.gz'), labels: join(dir, 'train-labels-idx1-ubyte.gz') });
    expect(() => findIdxSplitFiles(dir, 'test')).toThrow(/^findIdxSplitFiles: .*t10k-labels-idx1-ubyte\.gz not found/);
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), 'not read');
    expect(findIdxSplitFiles(dir, 'test')).toEqual({ images: join(dir, 't10k-images.idx3-ubyte'), labels: join(dir, 't10k-labels-idx1-ubyte') });
  });
});
