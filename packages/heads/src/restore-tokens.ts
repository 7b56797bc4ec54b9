import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';

/**
 * Puts the tokens an MAE encoder kept back at their places and fills the removed places with the
 * mask token, as `forward_decoder`: the kept tokens followed by copies of `maskToken` form a list of
 * `patches` rows, and output row `n` of image `b` is row `restoreIndices[b, n]` of that list.
 * With MAE's random masking, `restoreIndices` is the `ids_restore` that undoes the shuffle.
 *
 * @param kept - `[batch, kept, dim]` tokens of the kept patches, without the [CLS] token.
 * @param maskToken - `[dim]`, `[1, dim]` or `[1, 1, dim]`.
 * @param restoreIndices - `[batch, patches]` int32, each row a permutation of `0..patches-1`.
 * @returns `[batch, patches, dim]`; the caller owns it.
 *
 * @example
 * ```ts
 * // kept patches 2 and 0 of 3 (in that order): ids_restore = [1, 2, 0]
 * restoreTokens(tf.tensor3d([[[20], [0]]]), tf.tensor1d([-1]), tf.tensor2d([[1, 2, 0]], undefined, 'int32'));
 * // [[[0], [-1], [20]]]
 * ```
 */
export function restoreTokens(kept: tf.Tensor3D, maskToken: tf.Tensor, restoreIndices: tf.Tensor2D): tf.Tensor3D {
  if (!(kept instanceof tf.Tensor) || kept.rank !== 3) {
    throw new SslError('SHAPE_MISMATCH', `restoreTokens(kept): expected [batch, kept, dim], got ${kept instanceof tf.Tensor ? `[${kept.shape.join(', ')}]` : String(kept)}.`);
  }
  const [batch, keptCount, dim] = kept.shape;
  if (!(maskToken instanceof tf.Tensor) || maskToken.size !== dim) {
    throw new SslError('SHAPE_MISMATCH', `restoreTokens(maskToken): expected ${dim} values (the token width), got ${maskToken instanceof tf.Tensor ? `[${maskToken.shape.join(', ')}]` : String(maskToken)}.`);
  }
  if (!(restoreIndices instanceof tf.Tensor) || restoreIndices.rank !== 2 || restoreIndices.shape[0] !== batch || restoreIndices.dtype !== 'int32') {
    throw new SslError(
      'SHAPE_MISMATCH',
      `restoreTokens(restoreIndices): expected an int32 tensor [${batch}, patches], got ${restoreIndices instanceof tf.Tensor ? `${restoreIndices.dtype} [${restoreIndices.shape.join(', ')}]` : String(restoreIndices)}. ` +
        "Pass MAE's ids_restore, one row per image.",
    );
  }
  const patches = restoreIndices.shape[1];
  if (keptCount > patches) {
    throw new SslError('SHAPE_MISMATCH', `restoreTokens: ${keptCount} kept tokens but only ${patches} patches in restoreIndices.`);
  }
  return tf.tidy('restoreTokens', () => {
    const fill = tf.add(tf.zeros([batch, patches - keptCount, dim]), tf.reshape(maskToken, [1, 1, dim])); // [B, N-K, D]
    const full = tf.concat([kept, fill], 1); // [B, N, D], kept first
    // one flat gather: row b*N + restoreIndices[b, n] of [B*N, D]
    const offsets = tf.mul(tf.range(0, batch, 1, 'int32'), tf.scalar(patches, 'int32')); // [B]
    const flatIndices = tf.reshape(tf.add(restoreIndices, tf.expandDims(offsets, 1)), [batch * patches]);
    const rows = tf.gather(tf.reshape(full, [batch * patches, dim]), flatIndices, 0); // [B*N, D]
    return tf.reshape(rows, [batch, patches, dim]) as tf.Tensor3D;
  });
}
