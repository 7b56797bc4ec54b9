import * as tf from '@tensorflow/tfjs-core';
import type { Recipe } from '@selfsup/core';

/** The masks of a step's first images, and the crops (iBOT) or images (MAE) they hide. */
export interface TappedViews {
  /** `[n, H, W, C]` as the student saw them (normalised). */
  readonly images: tf.Tensor4D;
  /** `[n, patches]`: 1 where a patch is masked (iBOT) or removed (MAE). */
  readonly mask: tf.Tensor2D;
}

/** A recipe whose views are copied (the first few) each step, for the page to draw. */
export interface ViewTap<Batch> {
  readonly recipe: Recipe<Batch, unknown, unknown, unknown>;
  /** The last step's tapped views; the tap keeps ownership until the next step or `dispose`. */
  latest(): TappedViews | undefined;
  dispose(): void;
}

/** The masked images of iBOT views (`global`, `masks`) or MAE views (`images`, `mask`), if `views` has any. */
function maskedImagesOf(views: unknown): { images: tf.Tensor4D; mask: tf.Tensor2D } | undefined {
  const v = views as { global?: tf.Tensor4D; masks?: tf.Tensor2D; images?: tf.Tensor4D; mask?: tf.Tensor2D };
  if (v.global instanceof tf.Tensor && v.masks instanceof tf.Tensor) return { images: v.global, mask: v.masks };
  if (v.images instanceof tf.Tensor && v.mask instanceof tf.Tensor) return { images: v.images, mask: v.mask };
  return undefined;
}

/**
 * Wraps `recipe` so that each step's views are also copied (the first `count` masked images and
 * their masks): the step itself runs unchanged through `trainStep`, and the page sees the very masks
 * the model was trained with. One copy lives at a time, so the tensor count stays steady.
 */
export function tapViews<Batch>(recipe: Recipe<Batch, unknown, unknown, unknown>, count: number): ViewTap<Batch> {
  let latest: TappedViews | undefined;
  const replace = (next: TappedViews | undefined) => {
    if (latest) tf.dispose([latest.images, latest.mask]);
    latest = next;
  };
  const wrapped: Recipe<Batch, unknown, unknown, unknown> = {
    ...recipe,
    makeViews: (batch, context) => {
      const views = recipe.makeViews(batch, context);
      const masked = maskedImagesOf(views);
      if (masked) {
        const n = Math.min(count, masked.images.shape[0]);
        replace(
          tf.tidy('tapViews', () => ({
            images: tf.keep(tf.slice(masked.images, 0, n)) as tf.Tensor4D,
            mask: tf.keep(tf.slice(masked.mask, 0, n)) as tf.Tensor2D,
          })),
        );
      }
      return views;
    },
  };
  return { recipe: wrapped, latest: () => latest, dispose: () => replace(undefined) };
}
