import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkNotDisposed, checkOptions } from '@selfsup/core';
import { heatmapImage } from './heatmap-image.js';
import { pixelImage } from './pixel-image.js';
import type { RasterImage } from './raster-image.js';

/** Options of {@link imagesFromTensor}. */
export interface ImagesFromTensorOptions {
  /**
   * Per-channel mean and standard deviation the images were normalised with, undone first
   * (`x * std + mean`): pass the augmentation's `mean` and `std` for network inputs.
   * @defaultValue none (the values are already in [0, 1])
   */
  normalization?: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/**
 * Reads NHWC images (`[batch, height, width, 1 or 3]`, values in [0, 1] after undoing
 * `normalization`) into one RGBA picture each. Reads the tensor once (`await data()`); it does
 * not dispose it.
 */
export async function imagesFromTensor(images: tf.Tensor4D, options: ImagesFromTensorOptions = {}): Promise<RasterImage[]> {
  checkNotDisposed('imagesFromTensor(images)', images);
  const { normalization } = checkOptions('imagesFromTensor(options)', options, true);
  if (!(images instanceof tf.Tensor) || images.rank !== 4 || (images.shape[3] !== 1 && images.shape[3] !== 3)) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `imagesFromTensor(images): expected NHWC images [batch, height, width, 1 or 3], got ${images instanceof tf.Tensor ? `[${images.shape.join(', ')}]` : String(images)}. Transpose NCHW data with tf.transpose(x, [0, 2, 3, 1]).`,
    );
  }
  const [batch, height, width, channels] = images.shape as [number, number, number, 1 | 3];
  const values = await images.data();
  const size = height * width * channels;
  const out: RasterImage[] = [];
  for (let b = 0; b < batch; b++) {
    const pixels = Float32Array.from(values.subarray(b * size, (b + 1) * size));
    if (normalization) undoNormalization(pixels, channels, normalization);
    out.push(pixelImage(pixels, width, height, channels));
  }
  return out;
}

function undoNormalization(pixels: Float32Array, channels: number, { mean, std }: NonNullable<ImagesFromTensorOptions['normalization']>): void {
  if (mean.length !== channels || std.length !== channels) {
    throw new SslError('SHAPE_MISMATCH', `imagesFromTensor(options.normalization): expected ${channels} mean and std values (one per channel), got ${mean.length} and ${std.length}.`);
  }
  for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i]! * std[i % channels]! + mean[i % channels]!;
}

/**
 * Reads maps `[batch, maps, height, width]` (the per-head attention of
 * {@link lastLayerAttention}) into viridis pictures, `result[image][map]`, each map min-max scaled
 * on its own. Reads the tensor once (`await data()`); it does not dispose it.
 */
export async function heatmapsFromTensor(maps: tf.Tensor4D): Promise<RasterImage[][]> {
  checkNotDisposed('heatmapsFromTensor(maps)', maps);
  if (!(maps instanceof tf.Tensor) || maps.rank !== 4) {
    throw new SslError('SHAPE_MISMATCH', `heatmapsFromTensor(maps): expected [batch, maps, height, width], got ${maps instanceof tf.Tensor ? `[${maps.shape.join(', ')}]` : String(maps)}.`);
  }
  const [batch, count, height, width] = maps.shape;
  const values = await maps.data();
  const size = height * width;
  return Array.from({ length: batch }, (_, b) =>
    Array.from({ length: count }, (_, m) => heatmapImage(values.subarray((b * count + m) * size, (b * count + m + 1) * size), width, height)),
  );
}
