import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { loadDatasets } from './load-datasets.js';

const root = mkdtempSync(join(tmpdir(), 'selfsup-cli-datasets-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function png(value: number, size = 4): Buffer {
  const image = new PNG({ width: size, height: size });
  image.data.fill(value);
  return PNG.sync.write(image);
}

/** `png()` with its IHDR rewritten to claim `width` x `height` (CRC recomputed): a small file asking for a huge decode. */
function pngClaiming(width: number, height: number): Buffer {
  const bytes = Buffer.from(png(0));
  // signature (8), IHDR length (4), "IHDR" (4), then width and height; the CRC covers type and data
  bytes.writeUInt32BE(width, 16);
  bytes.writeUInt32BE(height, 20);
  bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
  return bytes;
}

function imageFolder(name: string, files: Record<string, Buffer | string>): string {
  const folder = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  return folder;
}

describe('loadDatasets on an image folder', () => {
  it('lists the entries it did not read, with the reason', async () => {
    const folder = imageFolder('skips', {
      'train/a/0.png': png(10),
      'train/b/0.png': png(200),
      'train/b/notes.txt': 'not an image',
      'test/a/0.png': png(20),
      'test/b/0.png': png(220),
    });
    const data = await loadDatasets({ dataset: 'image-folder', folder, download: false, heldOut: 'test' }, 3, root);
    expect(data.train.count).toBe(2);
    expect(data.skipped.map((s) => s.path)).toEqual([join(folder, 'train', 'b', 'notes.txt')]);
    expect(data.skipped[0]!.reason).toMatch(/\.txt/);
  });

  it('refuses a folder without train/ or without the held-out split before decoding anything, naming the key and the layout', async () => {
    const classes = imageFolder('classes-only', { 'a/0.png': png(10), 'b/0.png': png(200) });
    const noTrain = await loadDatasets({ dataset: 'image-folder', folder: classes, download: false, heldOut: 'test' }, 3, root).catch((e: unknown) => e);
    expect(isSslError(noTrain, 'INVALID_CONFIG')).toBe(true);
    expect((noTrain as Error).message).toMatch(/^data\.folder: expected .*<split>\/<class>\/<image>.*got no folder .*classes-only\/train\. Point data\.folder at the folder above train\//);
    const trainOnly = imageFolder('train-only', { 'train/a/0.png': pngClaiming(20000, 20000), 'train/b/0.png': png(1) });
    const noTest = await loadDatasets({ dataset: 'image-folder', folder: trainOnly, download: false, heldOut: 'test' }, 3, root).catch((e: unknown) => e);
    expect(isSslError(noTest, 'INVALID_CONFIG')).toBe(true);
    // refused for the split, not for the huge image in train/: nothing was decoded
    expect((noTest as Error).message).toMatch(/^data\.heldOut: expected a folder .*train-only\/test .*got none\. .*\{ from: train, last: <images> \}/);
  });

  it("labels the held-out split by the training split's classes; a class only it has is refused (INVALID_CONFIG)", async () => {
    const folder = imageFolder('missing-class', {
      'train/ant/0.png': png(10),
      'train/bee/0.png': png(100),
      'train/cow/0.png': png(200),
      'test/ant/0.png': png(20),
      'test/cow/0.png': png(210),
    });
    const data = await loadDatasets({ dataset: 'image-folder', folder, download: false, heldOut: 'test' }, 3, root);
    // "cow" is class 2 in both splits, although test/ has only two class folders
    expect([...data.heldOut!.labels]).toEqual([0, 2]);
    expect(data.heldOut!.classNames).toEqual(data.train.classNames);
    const extra = imageFolder('extra-class', { 'train/ant/0.png': png(10), 'train/bee/0.png': png(100), 'test/ant/0.png': png(20), 'test/dog/0.png': png(90) });
    const error = await loadDatasets({ dataset: 'image-folder', folder: extra, download: false, heldOut: 'test' }, 3, root).catch((e: unknown) => e);
    expect(isSslError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toMatch(/extra-class\/test has class folder\(s\) "dog" that .*\(ant, bee\) does not list/);
  });

  it('refuses an image over the pixel limit as bad input (INVALID_CONFIG, exit 2) before decoding it', async () => {
    const folder = imageFolder('bomb', { 'train/a/0.png': pngClaiming(20000, 20000), 'train/b/0.png': png(1) });
    const error = await loadDatasets({ dataset: 'image-folder', folder, download: false, heldOut: 'none' }, 3, root).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSslError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toMatch(/20000/);
  });
});

describe('loadDatasets on a folder of IDX files', () => {
  it('refuses a folder without the held-out split\'s files before decoding the training split, naming data.heldOut', async () => {
    // a training images file that would fail to decode: the refusal must come first, and be about the test split
    const folder = imageFolder('idx-train-only', {
      'train-images-idx3-ubyte': 'not an IDX file',
      'train-labels-idx1-ubyte': 'not an IDX file',
    });
    for (const dataset of ['mnist', 'fashion-mnist'] as const) {
      const error = await loadDatasets({ dataset, folder, download: false, heldOut: 'test' }, 1, root).catch((e: unknown) => e);
      expect(isSslError(error, 'INVALID_CONFIG'), String(error)).toBe(true);
      expect((error as Error).message).toMatch(/^data\.heldOut: test needs the test split's IDX files in data\.folder: .*idx-train-only\/t10k-images-idx3-ubyte\.gz not found .*\{ from: train, last: 10000 \}/);
      expect((error as { details?: { key?: string } }).details?.key).toBe('data.heldOut');
    }
    // held out of the training split, the same folder is read (and a damaged file, whichever is read first, reported as such)
    const damaged = await loadDatasets({ dataset: 'mnist', folder, download: false, heldOut: { from: 'train', last: 1 } }, 1, root).catch((e: unknown) => e);
    expect(isSslError(damaged, 'INVALID_CONFIG')).toBe(true);
    expect((damaged as Error).message).toMatch(/^data: the mnist images cannot be loaded: .*train-(images-idx3|labels-idx1)-ubyte/);
  });
});
