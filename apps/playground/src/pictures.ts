import * as tf from '@tensorflow/tfjs-core';
import { createRng, isSslError } from '@selfsup/core';
import {
  heatmapsFromTensor,
  imageGrid,
  imagesFromTensor,
  lastLayerAttention,
  patchFeaturePca,
  type RasterImage,
} from '@selfsup/eval';
import { inputOf, maeViewsFor, reconstructMae, type MaeParts } from '@selfsup/ibot';
import { evaluatedBackbone } from './monitors.js';
import type { PictureReport } from './protocol.js';
import type { Session } from './session.js';

/** The side each small picture is drawn at (the 28x28 images, 1.7 times). */
const CELL = 48;

/** The normalisation the images were given, undone before drawing. */
function normalizationOf(session: Session): { mean: readonly number[]; std: readonly number[] } {
  const { mean, std } = inputOf(session.method, session.methodConfig);
  return { mean, std };
}

/** Why a picture could not be drawn: an `SslError`'s message, else the error itself. */
function reasonOf(error: unknown): string {
  return isSslError(error) ? error.message : error instanceof Error ? error.message : String(error);
}

/** Draws `draw()`, or returns why it could not (a backbone without [CLS] attention, a method without masks). */
async function pictureOr(draw: () => Promise<RasterImage | string>): Promise<RasterImage | string> {
  try {
    return await draw();
  } catch (error) {
    return reasonOf(error);
  }
}

/** A rows-of-cells picture: one row per image, its cells resized to {@link CELL}. */
function grid(rows: RasterImage[][], resize: 'nearest' | 'bilinear' = 'nearest'): RasterImage {
  return imageGrid(rows, { cellWidth: CELL, cellHeight: CELL, gap: 2, resize });
}

/** Rows of [image | the [CLS] attention of each head of the last block] (`lastLayerAttention`). */
async function attentionPicture(session: Session, images: tf.Tensor4D): Promise<RasterImage> {
  const { backbone } = evaluatedBackbone(session);
  const maps = lastLayerAttention(backbone, images); // [B, heads, gh, gw]
  try {
    const [pictures, heads] = await Promise.all([imagesFromTensor(images, { normalization: normalizationOf(session) }), heatmapsFromTensor(maps)]);
    return grid(pictures.map((picture, i) => [picture, ...heads[i]!]));
  } finally {
    maps.dispose();
  }
}

/** Rows of [image | PCA colours of its patch features] (`patchFeaturePca`, one PCA over the batch). */
async function pcaPicture(session: Session, images: tf.Tensor4D): Promise<RasterImage> {
  const { backbone } = evaluatedBackbone(session);
  const colours = patchFeaturePca({ backbone, images }); // [B, gh, gw, 3] in [0, 1]
  try {
    const [pictures, pca] = await Promise.all([imagesFromTensor(images, { normalization: normalizationOf(session) }), imagesFromTensor(colours)]);
    return grid(pictures.map((picture, i) => [picture, pca[i]!]));
  } finally {
    colours.dispose();
  }
}

/** Rows of [crop | its mask] of the last step's first views: what the student was asked to fill in. */
async function maskPicture(session: Session): Promise<RasterImage | string> {
  const tapped = session.tap.latest();
  if (!tapped) return `${session.method.title} masks nothing: its student sees every patch of its crops.`;
  const [rows, columns] = evaluatedBackbone(session).backbone.tokenGrid(tapped.images.shape[1], tapped.images.shape[2]);
  const masks = tf.reshape(tapped.mask, [tapped.mask.shape[0], 1, rows, columns]) as tf.Tensor4D;
  try {
    const [pictures, maps] = await Promise.all([imagesFromTensor(tapped.images, { normalization: normalizationOf(session) }), heatmapsFromTensor(masks)]);
    return grid(pictures.map((picture, i) => [picture, maps[i]![0]!]));
  } finally {
    masks.dispose();
  }
}

/** MAE-style: rows of [image | what the encoder saw | the decoder's pixels | visible patches pasted back] (`reconstructMae`). */
async function reconstructionPicture(session: Session, images: tf.Tensor4D, maskRatio: number): Promise<RasterImage | string> {
  const parts = (session.pretraining.recipe as unknown as { student?: { parts?: Partial<MaeParts> } }).student?.parts;
  if (!parts?.decoder || !parts.backbone) return `${session.method.title} has no pixel decoder; choose MAE-style to see reconstructions.`;
  const views = maeViewsFor(images, { maskRatio, rng: createRng(session.iteration) }, parts.backbone);
  const normalizePixels = ((session.methodConfig.loss as { normalizePixels?: boolean } | undefined)?.normalizePixels ?? true) === true;
  const out = reconstructMae(parts as MaeParts, views, { normalizePixels });
  const normalization = normalizationOf(session);
  const pixels = [images, out.masked, out.reconstruction, out.pasted].map((t) => clipToPixels(t, normalization));
  try {
    const columns = await Promise.all(pixels.map((t) => imagesFromTensor(t)));
    return grid(columns[0]!.map((_, i) => columns.map((column) => column[i]!)));
  } finally {
    tf.dispose([views.keepIndices, views.restoreIndices, views.mask, out.masked, out.reconstruction, out.pasted, ...pixels]);
  }
}

/** Undoes the normalisation and clips to [0, 1] (a reconstruction can overshoot the pixel range). The caller owns the result. */
function clipToPixels(images: tf.Tensor4D, normalization: { mean: readonly number[]; std: readonly number[] }): tf.Tensor4D {
  return tf.tidy('clipToPixels', () =>
    tf.clipByValue(tf.add(tf.mul(images, tf.tensor1d([...normalization.std])), tf.tensor1d([...normalization.mean])), 0, 1),
  ) as tf.Tensor4D;
}

/** Every picture of the session at its current step, on the same held-out images. */
export async function drawPictures(session: Session, images: tf.Tensor4D, maskRatio: number): Promise<PictureReport> {
  return {
    iteration: session.iteration,
    attention: await pictureOr(() => attentionPicture(session, images)),
    pca: await pictureOr(() => pcaPicture(session, images)),
    masks: await pictureOr(() => maskPicture(session)),
    reconstructions: await pictureOr(() => reconstructionPicture(session, images, maskRatio)),
  };
}
