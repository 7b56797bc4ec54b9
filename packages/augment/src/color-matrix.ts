import * as tf from '@tensorflow/tfjs-core';

/**
 * Applies a per-image colour matrix to every pixel: `out[b, p, c] = Σ_k images[b, p, k] ·
 * matrices[b, k, c]` (row-major `[batch, channels, channels]`), as one batched matmul. Brightness,
 * saturation and grayscale are such matrices; identity matrices leave images bit-identical.
 *
 * Internal: call inside a `tf.tidy`.
 */
export function applyColorMatrix(images: tf.Tensor4D, matrices: Float32Array): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const pixels = tf.reshape(images, [batch, height * width, channels]) as tf.Tensor3D; // [B, HW, C]
  const out = tf.matMul(pixels, tf.tensor3d(matrices, [batch, channels, channels])); // [B, HW, C]
  return tf.reshape(out, images.shape);
}

/**
 * Per-image mean luma (`0.299 R + 0.587 G + 0.114 B`, or the plain mean of 1-channel images) as
 * `[batch, 1]`, through one matmul with a luma weight vector.
 *
 * Internal: call inside a `tf.tidy`.
 */
export function meanLuma(images: tf.Tensor4D, weights: readonly number[]): tf.Tensor2D {
  const [batch, height, width, channels] = images.shape;
  const pixels = height * width;
  const vector = new Float32Array(pixels * channels);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < channels; c++) vector[p * channels + c] = weights[c]! / pixels;
  // [B, HW*C] · [HW*C, 1] -> [B, 1]
  return tf.matMul(tf.reshape(images, [batch, pixels * channels]) as tf.Tensor2D, tf.tensor2d(vector, [pixels * channels, 1]));
}

/**
 * Spreads one value per image over all its elements: `[batch, 1] -> [batch, H, W, C]`, as an outer
 * product with a row of ones (a matmul: no broadcasting kernels).
 *
 * Internal: call inside a `tf.tidy`.
 */
export function spreadPerImage(values: tf.Tensor2D, shape: readonly [number, number, number, number]): tf.Tensor4D {
  const [, height, width, channels] = shape;
  const size = height * width * channels;
  return tf.reshape(tf.matMul(values, tf.ones([1, size])), [...shape]);
}
