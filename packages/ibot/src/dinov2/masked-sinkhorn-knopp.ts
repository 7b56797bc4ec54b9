import * as tf from '@tensorflow/tfjs-core';

/**
 * `denominator` with its zeros replaced by ones: `a / safe(b)` is `divNoNan(a, b)` wherever a
 * zero denominator comes with a zero numerator, as in Sinkhorn-Knopp, whose weights are never
 * negative (a sum of them is 0 only when every one is). Applied to the small sums (`[1, K]`,
 * `[M, 1]`, a scalar), so the division of the large matrix is a plain broadcast `RealDiv`.
 */
function nonZero(denominator: tf.Tensor): tf.Tensor {
  return tf.where(tf.equal(denominator, 0), tf.onesLike(denominator), denominator);
}

/**
 * Sinkhorn-Knopp over the masked patches only, as DINOv2's `sinkhorn_knopp_teacher` on
 * `masked_teacher_patch_tokens_after_head`: the masked rows of `patchLogits` are balanced over
 * the prototypes among themselves; unmasked rows get zero targets (the patch loss ignores them).
 * The mask stays on the device (no synchronous read, which throws on webgpu in Node.js): unmasked
 * rows are zero from the start, so the sums over samples see the masked rows only, and the sample
 * count is the number of masked rows, as DINOv2's `n_masked_patches`.
 *
 * The matrix is large (`[2B*N, K]`, about 12,800 x 1,024 at batch 128 on 28-pixel images), so
 * every operation on it is a plain element-wise or reduction kernel (`Sub`, `Minimum`, `RealDiv`,
 * `Exp`, `Multiply`, `Sum`, `Max`, `Min`) that the native backend runs in native code. The mask
 * and the zero-guards (`Select`, `Greater`, `Equal`, which have no native kernel) touch only
 * the small `[2B*N, 1]`, `[1, K]` and scalar tensors: `Select` and `DivNoNan` on the whole
 * matrix fell back to tfjs-backend-cpu's JavaScript with per-element broadcasting and made a
 * DINOv2-style step about 9 times slower than iBOT's (issue 18).
 *
 * @param patchLogits - `[2B, N, K]` teacher patch logits.
 * @param masks - `[2B, N]` float32, positive where a patch is masked (IbotViews' masks: 1 where masked).
 * @returns `[2B, N, K]` targets: each masked row sums to 1, unmasked rows are 0; the caller owns them.
 */
export function maskedSinkhornKnopp(patchLogits: tf.Tensor3D, masks: tf.Tensor2D, temperature: number, iterations: number): tf.Tensor3D {
  const [rows, patches, prototypes] = patchLogits.shape;
  return tf.tidy('maskedSinkhornKnopp', () => {
    const flat = tf.reshape(patchLogits, [rows * patches, prototypes]); // [2B, N, K] -> [2B*N, K]
    const selected = tf.reshape(tf.greater(masks, 0), [rows * patches, 1]); // [2B, N] -> [2B*N, 1]
    // [2B, N] -> [2B*N, 1]: 1 on masked rows, 0 elsewhere. Not tf.cast(selected, 'float32'): a cast
    // from bool keeps the bool bytes under dtype float32, which the native kernels cannot read, so
    // the Multiply by it would fall back to JavaScript on the whole matrix.
    const weights = tf.reshape(tf.step(masks), [rows * patches, 1]);
    const count = tf.sum(weights); // M, the masked rows
    // the largest logit of the masked rows (the smallest logit of all when none is masked), from each row's maximum
    const shift = tf.max(tf.where(selected, tf.max(flat, 1, true), tf.min(flat)));
    // exp((t - shift) / T) on masked rows (t <= shift there, so the minimum changes nothing), zero on
    // the others (capped at exp(0) = 1 first, so no Infinity times 0)
    let q = tf.mul(tf.exp(tf.div(tf.minimum(tf.sub(flat, shift), 0), temperature)), weights) as tf.Tensor2D;
    q = tf.div(q, nonZero(tf.sum(q))) as tf.Tensor2D; // the whole matrix sums to 1
    for (let i = 0; i < iterations; i++) {
      q = tf.div(q, nonZero(tf.mul(tf.sum(q, 0, true), prototypes))) as tf.Tensor2D; // each prototype: total 1 / K
      q = tf.div(q, nonZero(tf.mul(tf.sum(q, 1, true), count))) as tf.Tensor2D; // each masked row: total 1 / M
    }
    return tf.reshape(tf.mul(q, count), [rows, patches, prototypes]); // each masked row sums to 1; [2B*N, K] -> [2B, N, K]
  });
}
