import { checkInteger, checkOptions, invalidArgument } from '@selfsup/core';

/**
 * Labelled images held in memory as bytes: the form every loader of this package returns and
 * {@link createDataLoader} batches. Pixels are `uint8` in NHWC order.
 */
export interface ImageDataset {
  /** `[count, height, width, channels]` pixels, row-major, 0-255. */
  readonly images: Uint8Array;
  /** `[count]` class indices in `[0, classNames.length)`. */
  readonly labels: Int32Array;
  /** How many images. */
  readonly count: number;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** 1 (grayscale) or 3 (RGB). */
  readonly channels: number;
  /** The name of each class, by label. */
  readonly classNames: readonly string[];
}

/** Options of {@link createImageDataset}. */
export interface ImageDatasetOptions {
  /** `[count, height, width, channels]` pixels. Kept, not copied. */
  images: Uint8Array;
  /** `[count]` labels. Copied into an `Int32Array` unless it is one. */
  labels: ArrayLike<number>;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /**
   * Channels per pixel.
   * @defaultValue 1
   */
  channels?: number;
  /**
   * The name of each class.
   * @defaultValue `['0', '1', ...]` up to the largest label
   */
  classNames?: readonly string[];
}

/** `labels` when each is an integer (an Int32Array copy would truncate 1.9 to 1 and turn NaN into 0). */
function checkedLabels(labels: ArrayLike<number>): ArrayLike<number> {
  if (labels === null || typeof labels !== 'object' || typeof labels.length !== 'number') {
    throw invalidArgument({ argument: 'createImageDataset(options.labels)', expected: 'an array of class indices, one per image', actual: labels });
  }
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (typeof label !== 'number' || !Number.isInteger(label)) {
      throw invalidArgument({ argument: `createImageDataset(options.labels[${i}])`, expected: 'an integer class index >= 0', actual: label, fix: 'Map each class to 0, 1, 2, ...' });
    }
  }
  return labels;
}

/**
 * Makes an {@link ImageDataset} from raw arrays, checking that sizes and labels agree.
 *
 * @example
 * ```ts
 * const dataset = createImageDataset({ images: new Uint8Array(2 * 28 * 28), labels: [3, 7], height: 28, width: 28 });
 * ```
 */
export function createImageDataset(options: ImageDatasetOptions): ImageDataset {
  checkOptions('createImageDataset(options)', options);
  const height = checkInteger('createImageDataset(options.height)', options.height, 1);
  const width = checkInteger('createImageDataset(options.width)', options.width, 1);
  const channels = checkInteger('createImageDataset(options.channels)', options.channels ?? 1, 1);
  if (!(options.images instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'createImageDataset(options.images)', expected: 'a Uint8Array', actual: options.images });
  }
  const labels = options.labels instanceof Int32Array ? options.labels : Int32Array.from(checkedLabels(options.labels));
  const count = labels.length;
  const imageSize = height * width * channels;
  if (options.images.length !== count * imageSize) {
    throw invalidArgument({
      argument: 'createImageDataset(options.images)',
      expected: `${count} labels x ${height} x ${width} x ${channels} = ${count * imageSize} bytes`,
      actual: `${options.images.length} bytes`,
      fix: 'Give one label per image and check height, width and channels.',
    });
  }
  let largest = -1;
  for (let i = 0; i < count; i++) {
    const label = labels[i]!;
    if (label < 0) {
      throw invalidArgument({ argument: `createImageDataset(options.labels[${i}])`, expected: 'a class index >= 0', actual: label });
    }
    if (label > largest) largest = label;
  }
  const classNames = options.classNames ?? Array.from({ length: largest + 1 }, (_, i) => String(i));
  if (largest >= classNames.length) {
    throw invalidArgument({
      argument: 'createImageDataset(options.labels)',
      expected: `class indices below ${classNames.length} (one per class name)`,
      actual: largest,
    });
  }
  return { images: options.images, labels, count, height, width, channels, classNames: [...classNames] };
}

/**
 * The images at `indices`, in that order, as a new dataset (copies).
 *
 * @example
 * ```ts
 * const firstHundred = selectImages(dataset, Int32Array.from({ length: 100 }, (_, i) => i));
 * ```
 */
export function selectImages(dataset: ImageDataset, indices: ArrayLike<number>): ImageDataset {
  const imageSize = dataset.height * dataset.width * dataset.channels;
  const images = new Uint8Array(indices.length * imageSize);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!Number.isInteger(index) || index < 0 || index >= dataset.count) {
      throw invalidArgument({ argument: `selectImages(indices[${i}])`, expected: `an integer in [0, ${dataset.count - 1}]`, actual: index });
    }
    images.set(dataset.images.subarray(index * imageSize, (index + 1) * imageSize), i * imageSize);
    labels[i] = dataset.labels[index]!;
  }
  return { ...dataset, images, labels, count: indices.length };
}
