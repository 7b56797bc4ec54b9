import * as tf from '@tensorflow/tfjs-core';

/**
 * Applies per-image column operators to an NHWC batch: `out[b, h, o, c] = Σ_w cols[b, o, w] ·
 * images[b, h, w, c]`. `cols` is row-major `[batch, outWidth, width]`.
 *
 * Internal: call inside a `tf.tidy`.
 */
export function applyColumns(images: tf.Tensor4D, cols: Float32Array, outWidth: number): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const operator = tf.tensor3d(cols, [batch, outWidth, width]);
  if (channels === 1) {
    // [B, H, W] · [B, outW, W]ᵀ -> [B, H, outW]
    const y = tf.matMul(tf.reshape(images, [batch, height, width]) as tf.Tensor3D, operator, false, true);
    return tf.reshape(y, [batch, height, outWidth, 1]);
  }
  // [B, H, W, C] -> [B, W, H*C]: bring W forward, contract it, put it back
  const t = tf.reshape(tf.transpose(images, [0, 2, 1, 3]), [batch, width, height * channels]) as tf.Tensor3D;
  const z = tf.matMul(operator, t); // [B, outW, H*C]
  return tf.transpose(tf.reshape(z, [batch, outWidth, height, channels]), [0, 2, 1, 3]);
}

/**
 * Applies a per-image separable linear map to an NHWC batch: image `b` becomes
 * `rows[b] · image[b] · cols[b]ᵀ` channel by channel. `rows` holds `[batch, outHeight, height]`
 * and `cols` `[batch, outWidth, width]`, both row-major. Resizing, cropping, flipping and blurring
 * are all such maps; two batched matmuls apply them to the whole batch at once.
 *
 * Internal: call inside a `tf.tidy`.
 */
export function applySeparable(
  images: tf.Tensor4D,
  rows: Float32Array,
  outHeight: number,
  cols: Float32Array,
  outWidth: number,
): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const rowOperator = tf.tensor3d(rows, [batch, outHeight, height]);
  // [B, outH, H] · [B, H, W*C] -> [B, outH, W*C]
  const vertical = tf.matMul(rowOperator, tf.reshape(images, [batch, height, width * channels]) as tf.Tensor3D);
  return applyColumns(tf.reshape(vertical, [batch, outHeight, width, channels]), cols, outWidth);
}

/** One value per image repeated over each image's `size` elements: `[batch * size]`. */
export function perImage(values: ArrayLike<number>, batch: number, size: number): Float32Array {
  const out = new Float32Array(batch * size);
  for (let b = 0; b < batch; b++) out.fill(values[b]!, b * size, (b + 1) * size);
  return out;
}

/**
 * A bool mask shaped like `images` that is true over every pixel of the flagged images. Built on
 * the host so that selecting whole images is a same-shape `tf.where` (fast on every backend).
 *
 * Internal: call inside a `tf.tidy`.
 */
export function imageMask(images: tf.Tensor4D, flags: ArrayLike<number>): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const size = height * width * channels;
  const mask = new Uint8Array(batch * size);
  for (let b = 0; b < batch; b++) if (flags[b]) mask.fill(1, b * size, (b + 1) * size);
  return tf.tensor4d(mask, images.shape, 'bool');
}

/**
 * Picks images of a batch: entry `k` of the result is image `indices[k]` (a subset or a
 * permutation). On the cpu backend it is built from contiguous slices and one concat (runs of
 * consecutive indices copied at once), which costs half a `tf.gather` there; other backends gather.
 *
 * Internal: call inside a `tf.tidy`.
 */
export function selectImages(images: tf.Tensor4D, indices: ArrayLike<number>): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const count = indices.length;
  if (count === batch && Array.prototype.every.call(indices, (b: number, k: number) => b === k)) return images;
  if (tf.getBackend() !== 'cpu') return tf.gather(images, tf.tensor1d(Int32Array.from(indices), 'int32')) as tf.Tensor4D;
  const parts: tf.Tensor4D[] = [];
  for (let k = 0; k < count; ) {
    const first = indices[k]!;
    let length = 1;
    while (k + length < count && indices[k + length] === first + length) length++;
    parts.push(tf.slice(images, [first, 0, 0, 0], [length, height, width, channels]));
    k += length;
  }
  return parts.length === 1 ? parts[0]! : tf.concat(parts, 0);
}

/**
 * Splits a batch into groups of images (each group in batch order), runs `fn` on every non-empty
 * group and reassembles the batch in its original order. `groupOf[b]` is the group of image `b`.
 *
 * Internal: call inside a `tf.tidy`.
 */
export function mapGroups(
  images: tf.Tensor4D,
  groupOf: ArrayLike<number>,
  groupCount: number,
  fn: (group: tf.Tensor4D, indices: Int32Array, groupIndex: number) => tf.Tensor4D,
): tf.Tensor4D {
  const batch = images.shape[0];
  const members: number[][] = Array.from({ length: groupCount }, () => []);
  for (let b = 0; b < batch; b++) members[groupOf[b]!]!.push(b);
  const used = members.map((m, g) => [m, g] as const).filter(([m]) => m.length > 0);
  if (used.length === 1) return fn(images, Int32Array.from(used[0]![0]), used[0]![1]);
  const order: number[] = [];
  const parts = used.map(([m, g]) => {
    order.push(...m);
    return fn(selectImages(images, m), Int32Array.from(m), g);
  });
  const inverse = new Int32Array(batch);
  order.forEach((b, k) => (inverse[b] = k));
  return selectImages(tf.concat(parts, 0), inverse);
}

/** `[N, 3] -> [3, N]`: a matmul with the identity on the cpu backend (its fastest transpose), `tf.transpose` elsewhere. */
export function toPlanar(pixels: tf.Tensor2D): tf.Tensor2D {
  return tf.getBackend() === 'cpu' ? tf.matMul(tf.eye(pixels.shape[1]), pixels, false, true) : tf.transpose(pixels);
}

/** `[C, N] -> [N, C]`, the inverse of {@link toPlanar}. */
export function fromPlanar(planes: tf.Tensor2D): tf.Tensor2D {
  return tf.getBackend() === 'cpu' ? tf.matMul(planes, tf.eye(planes.shape[0]), true, false) : tf.transpose(planes);
}

