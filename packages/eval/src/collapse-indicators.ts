import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkNotDisposed, checkNumber, checkOptions, invalidArgument } from '@selfsup/core';

/** Options of {@link collapseIndicators} and {@link collapseIndicatorTensors}: the teacher's softmax. */
export interface CollapseIndicatorOptions {
  /** The teacher temperature (DINO's 0.04 to 0.07). Positive. */
  temperature: number;
  /**
   * The centre subtracted from the logits before the softmax (`[K]` or `[1, K]`), as the DINO
   * teacher's. @defaultValue no centre
   */
  center?: tf.Tensor;
}

/**
 * The collapse analysis of the DINO paper (Caron et al., 2021, section 5.3, figure 7) on one
 * batch of teacher outputs `p = softmax((logits - center) / temperature)` over `K` dimensions, in
 * nats:
 *
 * - `meanEntropy`: the mean over samples of `H(p_i)`. Near `log K` means **uniform collapse**:
 *   every output is flat (too much centring, too high a temperature). Healthy training keeps it
 *   well below `log K` (sharp outputs).
 * - `entropyOfMean`: `H(mean_i p_i)`, the entropy of the batch-mean distribution. Near 0 means
 *   **one-dimension collapse**: every image goes to the same dimension (too little centring).
 *   Healthy training keeps it high (the batch spreads over many dimensions).
 * - `klToUniform`: `KL(mean_i p_i || uniform) = log K - entropyOfMean`, the figure's quantity:
 *   high means one dimension dominates.
 * - `maxEntropy`: `log K`, the scale of the three.
 *
 * Healthy self-distillation has a low `meanEntropy` and a high `entropyOfMean` at once (sharp
 * outputs that differ between images). Reads the numbers back once (`await data()`).
 */
export interface CollapseIndicators {
  readonly meanEntropy: number;
  readonly entropyOfMean: number;
  readonly klToUniform: number;
  readonly maxEntropy: number;
}

/**
 * The tensors behind {@link collapseIndicators}, for a caller that reads them with other numbers
 * of a step: `[meanEntropy, entropyOfMean, klToUniform]` as a `[3]` tensor. The caller owns it.
 */
export function collapseIndicatorTensors(teacherLogits: tf.Tensor2D, options: CollapseIndicatorOptions): tf.Tensor1D {
  const { temperature, center } = checkOptions('collapseIndicators(options)', options);
  checkNumber('collapseIndicators(options.temperature)', temperature, Number.MIN_VALUE);
  checkNotDisposed('collapseIndicators(teacherLogits)', teacherLogits);
  if (!(teacherLogits instanceof tf.Tensor) || teacherLogits.rank !== 2 || teacherLogits.shape[0] < 1 || teacherLogits.shape[1] < 1) {
    throw invalidArgument({
      argument: 'collapseIndicators(teacherLogits)',
      expected: 'a rank-2 tensor [batch, K] of teacher head outputs (logits)',
      actual: teacherLogits instanceof tf.Tensor ? teacherLogits.shape : teacherLogits,
      fix: 'Pass the teacher head output of the [CLS] tokens, [batch, outDim].',
    });
  }
  const dim = teacherLogits.shape[1];
  if (center !== undefined) {
    checkNotDisposed('collapseIndicators(options.center)', center);
    if (!(center instanceof tf.Tensor) || center.size !== dim) {
      throw new SslError(
        'SHAPE_MISMATCH',
        `collapseIndicators(options.center): expected ${dim} values ([${dim}] or [1, ${dim}]) like the logits' last axis, got ${center instanceof tf.Tensor ? `[${center.shape.join(', ')}]` : String(center)}. Pass the teacher's centre (center.value).`,
      );
    }
  }
  return tf.tidy('collapseIndicators', () => {
    const centred = center ? tf.sub(teacherLogits, tf.reshape(center, [dim])) : teacherLogits;
    const logP = tf.logSoftmax(tf.div(centred, temperature)); // [B, K]
    const p = tf.exp(logP);
    const meanEntropy = tf.mean(tf.neg(tf.sum(tf.mul(p, logP), 1)));
    const meanP = tf.mean(p, 0); // [K]
    // 0 log 0 = 0: clamp inside the log only
    const entropyOfMean = tf.neg(tf.sum(tf.mul(meanP, tf.log(tf.maximum(meanP, 1e-30)))));
    const klToUniform = tf.sub(Math.log(dim), entropyOfMean);
    return tf.stack([meanEntropy, entropyOfMean, klToUniform]) as tf.Tensor1D;
  });
}

/**
 * How collapsed a batch of teacher outputs is (see {@link CollapseIndicators} for how to read
 * the numbers), as the DINO paper measures it.
 *
 * @param teacherLogits - `[batch, K]`: the teacher head's outputs before the softmax.
 * @example
 * ```ts
 * const { meanEntropy, entropyOfMean, klToUniform, maxEntropy } = await collapseIndicators(logits, { temperature: 0.04, center: center.value });
 * ```
 */
export async function collapseIndicators(teacherLogits: tf.Tensor2D, options: CollapseIndicatorOptions): Promise<CollapseIndicators> {
  const values = collapseIndicatorTensors(teacherLogits, options);
  try {
    const [meanEntropy, entropyOfMean, klToUniform] = await values.data();
    return { meanEntropy: meanEntropy!, entropyOfMean: entropyOfMean!, klToUniform: klToUniform!, maxEntropy: Math.log(teacherLogits.shape[1]) };
  } finally {
    values.dispose();
  }
}
