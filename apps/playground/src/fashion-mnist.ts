import { SslError } from '@selfsup/core';
import { FASHION_MNIST_CLASS_NAMES, createImageDataset, decodeIdx, type ImageDataset } from '@selfsup/data';
import trainImagesUrl from '@selfsup/data/assets/fashion-mnist-subset/train-images-idx3-ubyte.gz?url';
import trainLabelsUrl from '@selfsup/data/assets/fashion-mnist-subset/train-labels-idx1-ubyte.gz?url';
import testImagesUrl from '@selfsup/data/assets/fashion-mnist-subset/t10k-images-idx3-ubyte.gz?url';
import testLabelsUrl from '@selfsup/data/assets/fashion-mnist-subset/t10k-labels-idx1-ubyte.gz?url';

/** The Fashion-MNIST subset bundled with `@selfsup/data` (1,000 training and 500 test images), served as static files. */
const FILES = {
  train: { images: trainImagesUrl, labels: trainLabelsUrl },
  test: { images: testImagesUrl, labels: testLabelsUrl },
} as const;

/**
 * Fetches a gzipped file and inflates it with the browser's own `DecompressionStream`. Some servers
 * (Vite's dev server among them) send `.gz` files with `Content-Encoding: gzip`, and the browser
 * has then inflated them already: only bytes that still start with the gzip magic number are inflated.
 */
async function fetchGunzipped(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new SslError('DATA_CORRUPT', `${url}: the server answered ${response.status} ${response.statusText}. Serve the playground's build folder whole (npm run build -w apps/playground).`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  const inflated = new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip')));
  return new Uint8Array(await inflated.arrayBuffer());
}

/**
 * Loads one split of the bundled subset: the same IDX files `loadBundledFashionMnist` of
 * `@selfsup/data/node` reads from disk, decoded by `decodeIdx` of `@selfsup/data`.
 */
export async function loadFashionMnistSubset(split: 'train' | 'test'): Promise<ImageDataset> {
  const files = FILES[split];
  const [images, labels] = await Promise.all([fetchGunzipped(files.images), fetchGunzipped(files.labels)]);
  const imageArray = decodeIdx(images, files.images);
  const labelArray = decodeIdx(labels, files.labels);
  const [, height, width] = imageArray.shape as [number, number, number];
  return createImageDataset({
    images: imageArray.data as Uint8Array,
    labels: labelArray.data,
    height,
    width,
    channels: 1,
    classNames: FASHION_MNIST_CLASS_NAMES,
  });
}
