import { checkInteger, invalidArgument } from '@selfsup/core';
import type { ImageDataset } from './image-dataset.js';

/** The two parts of a data set that {@link holdOutLast} makes. */
export interface HeldOutSplit {
  /** The first `count - last` images: what a run trains on (and k-NN's memory bank). */
  readonly kept: ImageDataset;
  /** The last `last` images: what the recipe is chosen on, never trained on. */
  readonly heldOut: ImageDataset;
}

/**
 * Splits a data set into its first images and its last `last` images, in file order (no
 * shuffling: the split is the same on every machine and for every seed). Use it to choose a recipe
 * on a validation part of the training set, for example the last 10,000 of Fashion-MNIST's 60,000
 * training images, and keep the test set for one final figure. Both parts are views of the same
 * bytes (nothing is copied) and keep the class names.
 *
 * @param last - how many images to hold out, at least 1 and fewer than the data set has.
 * @example
 * ```ts
 * const { kept, heldOut } = holdOutLast(await loadFashionMnist({ split: 'train' }), 10_000);
 * // kept.count === 50_000, heldOut.count === 10_000
 * ```
 */
export function holdOutLast(dataset: ImageDataset, last: number): HeldOutSplit {
  const count = checkInteger('holdOutLast(last)', last, 1);
  if (count >= dataset.count) {
    throw invalidArgument({
      argument: 'holdOutLast(last)',
      expected: `fewer than the ${dataset.count} images of the data set (some must remain to train on)`,
      actual: last,
      fix: `Hold out at most ${dataset.count - 1} images, e.g. ${Math.max(1, Math.floor(dataset.count / 6))} (a sixth).`,
    });
  }
  const boundary = dataset.count - count;
  return { kept: imageRange(dataset, 0, boundary), heldOut: imageRange(dataset, boundary, dataset.count) };
}

/** Images `[start, end)` of a data set, as a view of its bytes. */
function imageRange(dataset: ImageDataset, start: number, end: number): ImageDataset {
  const imageSize = dataset.height * dataset.width * dataset.channels;
  return {
    ...dataset,
    images: dataset.images.subarray(start * imageSize, end * imageSize),
    labels: dataset.labels.subarray(start, end),
    count: end - start,
  };
}
