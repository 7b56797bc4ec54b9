import * as tf from '@tensorflow/tfjs-core';
import type { Backbone } from '@selfsup/core';
import { heatmapsFromTensor, imageGrid, imagesFromTensor, lastLayerAttention, patchFeaturePca, pixelImage, type RasterImage } from '@selfsup/eval';
import { maeViewsFor, reconstructMae, type MaeParts } from '@selfsup/ibot';
import { createRng } from '@selfsup/core';

/** How the network's input was normalised, undone to draw it. */
export interface InputNormalization {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** The side of a grid cell: the image scaled up by a whole factor to at least 96 pixels. */
export function cellSide(imageSize: number): number {
  return imageSize * Math.max(1, Math.ceil(96 / imageSize));
}

/**
 * `attention.png`: one row per image, the image then one viridis map per head of the [CLS]
 * token's last-block attention over the patches (nearest upscaling keeps the patches square).
 *
 * @param input - `[count, size, size, channels]`, normalised as the network's input.
 */
export async function attentionPicture(backbone: Backbone, input: tf.Tensor4D, normalization: InputNormalization): Promise<RasterImage> {
  const maps = lastLayerAttention(backbone, input);
  try {
    const heads = await heatmapsFromTensor(maps);
    const images = await imagesFromTensor(input, { normalization });
    const side = cellSide(input.shape[1]);
    return imageGrid(images.map((image, i) => [image, ...heads[i]!]), { cellWidth: side, cellHeight: side });
  } finally {
    maps.dispose();
  }
}

/**
 * `pca.png`: the images in the top row, their patch features coloured by the first three
 * principal components of all the patches of the batch below them.
 */
export async function pcaPicture(backbone: Backbone, input: tf.Tensor4D, normalization: InputNormalization): Promise<RasterImage> {
  const rgb = patchFeaturePca({ backbone, images: input });
  try {
    const [count, rows, columns] = rgb.shape;
    const values = await rgb.data();
    const size = rows * columns * 3;
    const colours = Array.from({ length: count }, (_, i) => pixelImage(values.subarray(i * size, (i + 1) * size), columns, rows, 3));
    const images = await imagesFromTensor(input, { normalization });
    const side = cellSide(input.shape[1]);
    return imageGrid([images, colours], { cellWidth: side, cellHeight: side });
  } finally {
    rgb.dispose();
  }
}

/**
 * `reconstructions.png`: per image the image, what the encoder saw (removed patches at the mean
 * colour), the reconstruction, and the visible patches with the reconstruction pasted in.
 */
export async function reconstructionPicture(
  parts: MaeParts,
  input: tf.Tensor4D,
  options: { readonly normalization: InputNormalization; readonly maskRatio: number; readonly normalizePixels: boolean; readonly seed: number },
): Promise<RasterImage> {
  const views = maeViewsFor(input, { maskRatio: options.maskRatio, rng: createRng(options.seed) }, parts.backbone);
  const result = reconstructMae(parts, views, { normalizePixels: options.normalizePixels });
  try {
    const normalization = options.normalization;
    const columns = await Promise.all([input, result.masked, result.reconstruction, result.pasted].map((t) => imagesFromTensor(t, { normalization })));
    const side = cellSide(input.shape[1]);
    return imageGrid(columns[0]!.map((_, i) => columns.map((column) => column[i]!)), { cellWidth: side, cellHeight: side });
  } finally {
    tf.dispose([views.keepIndices, views.restoreIndices, views.mask, result.masked, result.reconstruction, result.pasted]);
  }
}
