import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { crc32, deflateSync } from 'node:zlib';
import { isSslError } from '@selfsup/core';
import { allocateImages, loadImageFolder } from './load-image-folder.js';

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

  it("reads a split with another split's classes: the same labels when a class is missing, refused when one is extra", async () => {
    const train = await loadImageFolder(makeTree('classes/train', { 'ant/a.png': png(1), 'bee/a.png': png(2), 'cow/a.png': png(3) }));
    // the test split has no "bee": alone, "cow" would be label 1; with the training classes it is 2
    const testDir = makeTree('classes/test', { 'ant/a.png': png(1), 'cow/a.png': png(3) });
    expect([...(await loadImageFolder(testDir)).labels]).toEqual([0, 1]);
    const test = await loadImageFolder(testDir, { classNames: train.classNames });
    expect(test.classNames).toEqual(['ant', 'bee', 'cow']);
    expect([...test.labels]).toEqual([0, 2]);
    const extra = makeTree('classes/extra', { 'ant/a.png': png(1), 'dog/a.png': png(4) });
    const error = await rejection(loadImageFolder(extra, { classNames: train.classNames }));
    expect(error.message).toMatch(/has class folder\(s\) "dog" that options\.classNames \(ant, bee, cow\) does not list/);
    for (const classNames of [[], ['ant', 'ant'], ['']]) {
      expect((await rejection(loadImageFolder(testDir, { classNames }))).message).toMatch(/loadImageFolder\(options\.classNames\)/);
    }
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

  it('refuses an extension without its dot (it would match no file), naming the fix', async () => {
    const tree = makeTree('extensions', { 'a/1.png': png(10) });
    const error = await rejection(loadImageFolder(tree, { extensions: ['.jpg', 'png'] }));
    expect(error.message).toMatch(/loadImageFolder\(options\.extensions\[1\]\): expected a file extension with its dot.*got "?png"?\. Write it with its dot: "\.png"/);
    expect((await loadImageFolder(tree, { extensions: ['.PNG'] })).count).toBe(1);
  });

  it('follows a symbolic link to a class folder', async () => {
    const real = makeTree('real-cats', { 'cat/1.png': png(10), 'cat/2.png': png(11) });
    const dir = makeTree('linked-class', { 'dog/a.png': png(20), 'dog/b.png': png(21) });
    symlinkSync(join(real, 'cat'), join(dir, 'cat'), 'dir');
    const dataset = await loadImageFolder(dir);
    expect(dataset.classNames).toEqual(['cat', 'dog']);
    expect([...dataset.labels]).toEqual([0, 0, 1, 1]);
    expect(dataset.images[0]).toBe(10);
    expect(dataset.skipped).toEqual([]);
  });

  it('follows symbolic links to image files, relative and absolute', async () => {
    const real = makeTree('real-files', { 'x.png': png(30), 'y.png': png(31) });
    const dir = makeTree('linked-files', { 'dog/a.png': png(20) });
    mkdirSync(join(dir, 'cat'));
    symlinkSync(join(real, 'x.png'), join(dir, 'cat', '1.png')); // absolute
    symlinkSync(join('..', '..', 'real-files', 'y.png'), join(dir, 'cat', '2.png')); // relative
    const dataset = await loadImageFolder(dir);
    expect(dataset.classNames).toEqual(['cat', 'dog']);
    expect([...dataset.labels]).toEqual([0, 0, 1]);
    expect([dataset.images[0], dataset.images[12]]).toEqual([30, 31]);
  });

  it('lists everything it skips: broken links, link loops, other files and nested folders', async () => {
    const dir = makeTree('skips', { 'a/1.png': png(10), 'a/notes.txt': 'x', 'a/nested/2.png': png(10), 'readme.md': 'x' });
    symlinkSync(join(dir, 'a', 'missing.png'), join(dir, 'a', '3.png'));
    symlinkSync(join(dir, 'a', '4.png'), join(dir, 'a', '4.png')); // a link to itself
    symlinkSync(join(dir, 'loop2'), join(dir, 'loop1'));
    symlinkSync(join(dir, 'loop1'), join(dir, 'loop2'));
    symlinkSync(dir, join(dir, 'self'), 'dir'); // a class folder that is the root again
    symlinkSync('..', join(dir, 'parent'), 'dir');
    const dataset = await loadImageFolder(dir);
    expect(dataset.classNames).toEqual(['a']);
    expect(dataset.count).toBe(1);
    expect(dataset.skipped).toEqual([
      { path: join(dir, 'loop1'), reason: 'a symbolic link loop' },
      { path: join(dir, 'loop2'), reason: 'a symbolic link loop' },
      { path: join(dir, 'parent'), reason: 'a symbolic link to the root folder or one above it (a loop)' },
      { path: join(dir, 'readme.md'), reason: 'a file outside the class folders' },
      { path: join(dir, 'self'), reason: 'a symbolic link to the root folder or one above it (a loop)' },
      { path: join(dir, 'a', '3.png'), reason: 'a broken symbolic link (its target does not exist)' },
      { path: join(dir, 'a', '4.png'), reason: 'a symbolic link loop' },
      { path: join(dir, 'a', 'nested'), reason: 'a folder inside a class folder (only the files of class folders are read)' },
      { path: join(dir, 'a', 'notes.txt'), reason: 'not an image (extension ".txt"; read: .png, .jpg, .jpeg)' },
    ]);
  });

  it('says what it skipped when a class ends up empty', async () => {
    const dir = makeTree('empty-links', { 'a/1.png': png(10) });
    mkdirSync(join(dir, 'b'));
    symlinkSync(join(dir, 'gone.png'), join(dir, 'b', '1.png'));
    const error = await rejection(loadImageFolder(dir));
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(error.message).toContain(
      `the class folder ${join(dir, 'b')} has no image (.png, .jpg, .jpeg); skipped: ${join(dir, 'b', '1.png')} (a broken symbolic link (its target does not exist))`,
    );
  });

  it('refuses an image whose header claims more than maxPixels before decoding it, first image included', async () => {
    // a PNG whose IHDR claims 20000 x 20000 RGBA pixels, with one scanline of data (CRCs as the PNG spec)
    const chunk = (type: string, data: Uint8Array) => {
      const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
      const out = Buffer.alloc(12 + data.length);
      out.writeUInt32BE(data.length, 0);
      body.copy(out, 4);
      out.writeUInt32BE(crc32(body), 8 + data.length);
      return out;
    };
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(20000, 0);
    ihdr.writeUInt32BE(20000, 4);
    ihdr.set([8, 6, 0, 0, 0], 8);
    const bomb = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
      chunk('IHDR', ihdr),
      chunk('IDAT', deflateSync(Buffer.alloc(1 + 4 * 20000))),
      chunk('IEND', Buffer.alloc(0)),
    ]);
    const dir = makeTree('bomb', { 'a/0.png': bomb, 'a/1.png': png(10), 'b/1.png': png(20) });
    const error = await rejection(loadImageFolder(dir));
    expect(isSslError(error, 'NOT_SUPPORTED'), String(error)).toBe(true);
    expect(error.message).toMatch(/0\.png: its header says 20000 x 20000 = 400000000 pixels, over the limit of 67108864 pixels/);
    const small = makeTree('limit', { 'a/1.png': png(10, 4), 'b/1.png': png(20, 4) });
    expect((await loadImageFolder(small, { maxPixels: 16 })).count).toBe(2);
    expect((await rejection(loadImageFolder(small, { maxPixels: 15 }))).message).toMatch(/4 x 4 = 16 pixels, over the limit of 15/);
  });

  it('says how many bytes the images need when they cannot be allocated', () => {
    expect(allocateImages(3, 4, 'a/1.png', 2, 2, 1).length).toBe(12);
    let error: unknown;
    try {
      allocateImages(2 ** 30, 2 ** 30, 'a/1.png', 32768, 32768, 1); // 2^60 bytes
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'NOT_SUPPORTED'), String(error)).toBe(true);
    expect((error as Error).message).toContain(`1073741824 images of 32768 x 32768 x 1 (the size of a/1.png) need ${2 ** 60} bytes in memory`);
  });
});
