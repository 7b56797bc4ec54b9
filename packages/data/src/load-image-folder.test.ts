import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { loadImageFolder } from './load-image-folder.js';

const root = mkdtempSync(join(tmpdir(), 'selfsup-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function png(value: number, size = 2): Buffer {
  const image = new PNG({ width: size, height: size });
  image.data.fill(value);
  for (let i = 3; i < image.data.length; i += 4) image.data[i] = 255;
  return PNG.sync.write(image);
}

function jpg(value: number, size = 2): Buffer {
  return jpeg.encode({ width: size, height: size, data: new Uint8Array(size * size * 4).fill(value) }, 100).data;
}

function makeTree(name: string, files: Record<string, Buffer | string>): string {
  const dir = join(root, name);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('loadImageFolder', () => {
  it('labels images by sorted class folder, files sorted within each', async () => {
    const dir = makeTree('ok', {
      'dog/b.png': png(40),
      'dog/a.PNG': png(30),
      'cat/z.jpg': jpg(100),
      'cat/notes.txt': 'ignored',
    });
    const dataset = await loadImageFolder(dir);
    expect(dataset.classNames).toEqual(['cat', 'dog']);
    expect([...dataset.labels]).toEqual([0, 1, 1]);
    expect([dataset.count, dataset.height, dataset.width, dataset.channels]).toEqual([3, 2, 2, 3]);
    const imageSize = 2 * 2 * 3;
    expect(dataset.images[imageSize]).toBe(30); // dog/a.PNG comes before dog/b.png
    expect(dataset.images[2 * imageSize]).toBe(40);
    expect(Math.abs(dataset.images[0]! - 100)).toBeLessThanOrEqual(2);
    const gray = await loadImageFolder(dir, { channels: 1, concurrency: 1 });
    expect(gray.channels).toBe(1);
    expect(gray.images[4]).toBe(30);
  });

  it('names a damaged file and returns nothing', async () => {
    const broken = png(10).subarray(0, 30);
    const dir = makeTree('broken', { 'a/1.png': png(10), 'a/2.png': broken, 'b/1.png': png(20) });
    const error = await rejection(loadImageFolder(dir));
    expect(isSslError(error, 'DATA_CORRUPT')).toBe(true);
    expect(error.message).toContain(join(dir, 'a', '2.png'));
  });

  it('rejects images of different sizes, empty classes and missing folders', async () => {
    const sizes = makeTree('sizes', { 'a/1.png': png(10, 2), 'a/2.png': png(10, 3) });
    expect((await rejection(loadImageFolder(sizes))).message).toMatch(/2\.png is 3 x 3 pixels, but .*1\.png is 2 x 2/);
    const empty = makeTree('empty', { 'a/1.png': png(10), 'b/readme.txt': 'no images' });
    expect((await rejection(loadImageFolder(empty))).message).toMatch(/class folder .*b has no image/);
    expect((await rejection(loadImageFolder(join(root, 'nowhere')))).message).toMatch(/cannot read the folder/);
    const flat = makeTree('flat', { '1.png': png(10) });
    expect((await rejection(loadImageFolder(flat))).message).toMatch(/no sub-folders/);
  });
});
