import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeIdx } from './idx.js';
import { loadFashionMnist } from './load-fashion-mnist.js';

const root = mkdtempSync(join(tmpdir(), 'selfsup-fmnist-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('loadFashionMnist', () => {
  it('refuses null options with INVALID_ARGUMENT, not a TypeError', async () => {
    await expect(loadFashionMnist(null as never)).rejects.toThrow(
      expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining('loadFashionMnist(options): expected an options object') }),
    );
  });

  it('reads the given folder only', async () => {
    writeFileSync(join(root, 't10k-images-idx3-ubyte.gz'), writeIdx({ dtype: 'uint8', shape: [1, 28, 28], data: new Uint8Array(784) }, { gzip: true }));
    writeFileSync(join(root, 't10k-labels-idx1-ubyte.gz'), writeIdx({ dtype: 'uint8', shape: [1], data: Uint8Array.of(9) }, { gzip: true }));
    const test = await loadFashionMnist({ split: 'test', folder: root });
    expect(test.count).toBe(1);
    expect(test.classNames[test.labels[0]!]).toBe('Ankle boot');
    await expect(loadFashionMnist({ split: 'train', folder: root })).rejects.toThrow(/train-images-idx3-ubyte\.gz not found/);
  });
});
