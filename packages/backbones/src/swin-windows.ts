import * as tf from '@tensorflow/tfjs-core';

// Host-side constants and tensor reshuffles of the Swin Transformer's window attention, as the
// official `WindowAttention.__init__`, `SwinTransformerBlock.create_attn_mask`, `window_partition`
// and `window_reverse`. The constants are computed once per size and kept as typed arrays: no
// tensor outlives a call.

const indexCache = new Map<number, Int32Array>();

/**
 * The official `relative_position_index` of a `windowSize` x `windowSize` window: for tokens `i`
 * and `j` (row-major in the window), the row of `relative_position_bias_table` holding their bias,
 * `(dy + w - 1) * (2w - 1) + (dx + w - 1)` with `dy = y_i - y_j`, `dx = x_i - x_j`. Returns the
 * `[N, N]` table flat (`N = windowSize^2`); the array is shared: do not modify it.
 *
 * @example
 * ```ts
 * relativePositionIndex(2); // [4, 3, 1, 0, 5, 4, 2, 1, 7, 6, 4, 3, 8, 7, 5, 4]
 * ```
 */
export function relativePositionIndex(windowSize: number): Int32Array {
  let index = indexCache.get(windowSize);
  if (index) return index;
  const w = windowSize;
  const n = w * w;
  index = new Int32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dy = Math.floor(i / w) - Math.floor(j / w) + w - 1;
      const dx = (i % w) - (j % w) + w - 1;
      index[i * n + j] = dy * (2 * w - 1) + dx;
    }
  }
  indexCache.set(windowSize, index);
  return index;
}

const maskCache = new Map<string, Float32Array>();

/** The region label of position `p` along an axis of `size` (0, 1, 2), as the official slices. */
function regionOf(p: number, size: number, windowSize: number, shift: number): number {
  // slice(0, -window), slice(-window, -shift), slice(-shift, None)
  if (p < size - windowSize) return 0;
  return p < size - shift ? 1 : 2;
}

/**
 * The attention mask of shifted windows (SW-MSA) on a padded `height` x `width` grid (multiples of
 * `windowSize`): after the cyclic shift, tokens of a window that came from different regions of
 * the image must not attend to each other, so their score gets -100 (0 otherwise), as the official
 * `create_attn_mask`. Returns `[windows, N, N]` flat, windows row-major; shared: do not modify it.
 */
export function shiftedWindowMask(height: number, width: number, windowSize: number, shift: number): Float32Array {
  const key = `${height}x${width}/${windowSize}/${shift}`;
  let mask = maskCache.get(key);
  if (mask) return mask;
  const w = windowSize;
  const n = w * w;
  const rows = height / w;
  const columns = width / w;
  mask = new Float32Array(rows * columns * n * n);
  const labels = new Int32Array(n);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      for (let t = 0; t < n; t++) {
        const y = r * w + Math.floor(t / w);
        const x = c * w + (t % w);
        labels[t] = 3 * regionOf(y, height, w, shift) + regionOf(x, width, w, shift);
      }
      const offset = (r * columns + c) * n * n;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) mask[offset + i * n + j] = labels[i] === labels[j] ? 0 : -100;
    }
  }
  maskCache.set(key, mask);
  return mask;
}

/**
 * Cuts `[B, H, W, C]` (H, W multiples of `windowSize`) into windows, `[B * windows, N, C]`, windows
 * row-major per image and tokens row-major per window (the official `window_partition`).
 */
export function windowPartition(x: tf.Tensor4D, windowSize: number): tf.Tensor3D {
  const [batch, height, width, channels] = x.shape;
  const w = windowSize;
  // [B, H, W, C] -> [B*H/w, w, W/w, w*C] -> [B*H/w, W/w, w, w*C] -> [B*windows, w*w, C]
  const rows = tf.reshape(x, [(batch * height) / w, w, width / w, w * channels]);
  return tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [(batch * height * width) / (w * w), w * w, channels]);
}

/** The inverse of {@link windowPartition}: `[B * windows, N, C]` back to `[B, H, W, C]`. */
export function windowReverse(windows: tf.Tensor3D, windowSize: number, height: number, width: number): tf.Tensor4D {
  const w = windowSize;
  const channels = windows.shape[2];
  const batch = windows.shape[0] / ((height / w) * (width / w));
  // [B*windows, w*w, C] -> [B*H/w, W/w, w, w*C] -> [B*H/w, w, W/w, w*C] -> [B, H, W, C]
  const grouped = tf.reshape(windows, [(batch * height) / w, width / w, w, w * channels]);
  return tf.reshape(tf.transpose(grouped, [0, 2, 1, 3]), [batch, height, width, channels]);
}

/** `torch.roll(x, (shift, shift), dims=(1, 2))` of `[B, H, W, C]`: a positive shift moves down and right. */
export function rollSpatial(x: tf.Tensor4D, shift: number): tf.Tensor4D {
  const roll = (t: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D => {
    const size = t.shape[axis];
    const s = ((shift % size) + size) % size;
    if (s === 0) return t;
    // roll by s: the last s entries come first
    const [head, tail] = tf.split(t, [size - s, s], axis) as [tf.Tensor4D, tf.Tensor4D];
    return tf.concat([tail, head], axis);
  };
  return roll(roll(x, 1), 2);
}
