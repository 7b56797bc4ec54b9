import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, isSslError } from '@selfsup/core';
import { decodeImage, loadBundledFashionMnist, loadImageFolder, readIdx, type ImageDataset } from '@selfsup/data/node';
import { usageError } from './usage-error.js';

/** Pictures to visualise: 8-bit pixels of one size, as the data readers give them. */
export interface VisualizeImages {
  /** Where they come from, for messages. */
  readonly name: string;
  /** Each image: `[height, width, channels]` bytes. */
  readonly images: readonly { readonly height: number; readonly width: number; readonly channels: number; readonly data: Uint8Array }[];
}

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg']);

/** The first `count` images of a data set. */
export function firstImages(dataset: ImageDataset, count: number, name: string): VisualizeImages {
  const { height, width, channels } = dataset;
  const size = height * width * channels;
  const n = Math.min(count, dataset.count);
  return { name, images: Array.from({ length: n }, (_, i) => ({ height, width, channels, data: dataset.images.subarray(i * size, (i + 1) * size) })) };
}

/**
 * Reads the first `count` images of `source`: `fashion-mnist` (the bundled subset's test split),
 * one PNG or JPEG file, an IDX images file (`[count, height, width]` or `[count, height, width, channels]` bytes, gzip
 * or not), a folder of PNG/JPEG files (sorted by name), or a folder of class folders.
 *
 * @throws SslError (usage) for a source that does not exist or holds no images.
 */
export async function loadVisualizeImages(source: string, count: number, channels: 1 | 3, cwd: string): Promise<VisualizeImages> {
  if (source === 'fashion-mnist') return firstImages(await loadBundledFashionMnist('test'), count, 'the bundled Fashion-MNIST subset (test split)');
  const path = resolve(cwd, source);
  const info = await statVisualizeSource(source, cwd);
  if (info.isFile() && IMAGE_EXTENSIONS.has(extname(path).toLowerCase())) {
    return { name: source, images: [decodeImage(new Uint8Array(await readFile(path)), source, channels)] };
  }
  if (info.isFile()) return idxImages(path, source, count);
  const names = (await readdir(path)).filter((n) => IMAGE_EXTENSIONS.has(extname(n).toLowerCase())).sort();
  if (names.length > 0) {
    const images = [];
    for (const name of names.slice(0, count)) {
      const decoded = decodeImage(new Uint8Array(await readFile(join(path, name))), join(source, name), channels);
      images.push(decoded);
    }
    return { name: source, images };
  }
  try {
    return firstImages(await loadImageFolder(path, { channels }), count, source);
  } catch (error) {
    if (!isSslError(error)) throw error;
    throw usageError(`--images: ${source} holds no PNG or JPEG files, nor class folders of them (${error.message}).`, { cause: error.code });
  }
}

/**
 * The file or folder `--images` names, refused (usage) when it does not exist: checked before the
 * checkpoint is opened. `fashion-mnist` needs no check.
 */
export async function statVisualizeSource(source: string, cwd: string): Promise<Stats> {
  const info = await stat(resolve(cwd, source)).catch(() => undefined);
  if (!info) {
    throw usageError(`--images: ${source} does not exist. Pass fashion-mnist, an IDX images file, a PNG or JPEG file, or a folder of them.`);
  }
  return info;
}

/** The first `count` images of an IDX images file. */
async function idxImages(path: string, source: string, count: number): Promise<VisualizeImages> {
  let array;
  try {
    array = readIdx(new Uint8Array(await readFile(path)), source);
  } catch (error) {
    if (!isSslError(error)) throw error;
    throw usageError(`--images: ${source} is not an IDX images file (${error.message}). Pass fashion-mnist, an IDX images file, or a folder of PNG/JPEG images.`);
  }
  const { shape, dtype, data } = array;
  const channels = shape.length === 4 ? shape[3]! : 1;
  if (dtype !== 'uint8' || (shape.length !== 3 && shape.length !== 4) || (channels !== 1 && channels !== 3)) {
    throw usageError(`--images: ${source} holds ${dtype} [${shape.join(', ')}]; expected uint8 images [count, height, width] or [count, height, width, 1 or 3] (an *-images-idx3-ubyte file).`);
  }
  const [total, height, width] = shape as [number, number, number];
  const size = height * width * channels;
  const bytes = data as Uint8Array;
  const n = Math.min(count, total);
  return { name: source, images: Array.from({ length: n }, (_, i) => ({ height, width, channels, data: bytes.subarray(i * size, (i + 1) * size) })) };
}

/**
 * The images as the network's input: each resized (bilinear) to `size` x `size`, converted to
 * `channels` (grey repeated to RGB, RGB to its mean), scaled to [0, 1]. `[count, size, size,
 * channels]`; the caller owns it.
 */
export function visualizeTensor(images: VisualizeImages, size: number, channels: number): tf.Tensor4D {
  if (images.images.length === 0) throw new SslError('INVALID_ARGUMENT', `--images: ${images.name} holds no images.`, { details: { usage: true } });
  return tf.tidy('visualizeTensor', () => {
    const each = images.images.map((image) => {
      // [H, W, C] bytes -> [1, H, W, C] in [0, 1]
      let x = tf.div(tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, image.channels]), 255) as tf.Tensor4D;
      if (image.channels !== channels) x = (channels === 3 ? tf.tile(x, [1, 1, 1, 3]) : tf.mean(x, 3, true)) as tf.Tensor4D;
      return image.height === size && image.width === size ? x : tf.image.resizeBilinear(x, [size, size], false, true);
    });
    return tf.concat(each, 0);
  });
}
