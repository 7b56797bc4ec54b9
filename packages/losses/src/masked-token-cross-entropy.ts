import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, invalidArgument } from '@selfsup/core';
import { checkTensor, describeTensor } from './check-tensor.js';
import { maskRows, type TokenMaskInput } from './token-mask.js';

/** Inputs of {@link maskedTokenCrossEntropy}. */
export interface MaskedTokenCrossEntropyInputs {
  /** `[batch, patches, vocabulary]`: the predicted logits of every patch token. */
  logits: tf.Tensor3D;
  /** `[batch, patches]` int32: the visual token of each patch (from a tokenizer or a frozen teacher). */
  targets: tf.Tensor2D;
  /** 1 where a patch was masked: `[batch, patches]` or `[batch, h, w]`. Only these are scored. */
  mask: TokenMaskInput;
}

/**
 * BEiT's masked image modelling loss (Bao et al., 2022): for each masked patch, the cross-entropy
 * of the predicted distribution over the visual vocabulary against the patch's token,
 * `-log softmax(logits[i, n])[targets[i, n]]`, averaged over all masked patches of the batch
 * (each masked patch weighs the same, whichever image it is in). With no masked patch the loss is 0.
 *
 * @returns a scalar; the caller owns it.
 *
 * @example
 * ```ts
 * const logits = tf.randomNormal([2, 16, 100]) as tf.Tensor3D; // 100 visual tokens
 * const targets = tf.randomUniform([2, 16], 0, 100, 'int32') as tf.Tensor2D;
 * const mask = tf.greater(tf.randomUniform([2, 16]), 0.6);
 * maskedTokenCrossEntropy({ logits, targets, mask }).print();
 * ```
 */
export function maskedTokenCrossEntropy(inputs: MaskedTokenCrossEntropyInputs): tf.Scalar {
  checkOptions('maskedTokenCrossEntropy(inputs)', inputs);
  const logits = checkTensor<tf.Tensor3D>('maskedTokenCrossEntropy(inputs.logits)', inputs.logits, [null, null, null], '[batch, patches, vocabulary]');
  const [batch, patches, vocabulary] = logits.shape;
  const targets = checkTensor<tf.Tensor2D>('maskedTokenCrossEntropy(inputs.targets)', inputs.targets, [batch, patches], `int32 [${batch}, ${patches}] (one token per patch)`);
  if (targets.dtype !== 'int32') {
    throw invalidArgument({
      argument: 'maskedTokenCrossEntropy(inputs.targets)',
      expected: 'an int32 tensor of token indices',
      actual: describeTensor(targets),
      fix: "Cast the tokens with tf.cast(tokens, 'int32').",
    });
  }
  return tf.tidy('maskedTokenCrossEntropy', () => {
    const mask = tf.reshape(maskRows('maskedTokenCrossEntropy(inputs.mask)', inputs.mask, batch, patches), [batch * patches]); // [B*N]
    const logProbabilities = tf.reshape(tf.logSoftmax(logits), [batch * patches * vocabulary]); // [B, N, V] -> [B*N*V]
    // index of row r's target in the flat [B*N*V]: r * V + targets[r]
    const rowStarts = tf.mul(tf.range(0, batch * patches, 1, 'int32'), tf.scalar(vocabulary, 'int32'));
    const picked = tf.gather(logProbabilities, tf.add(rowStarts, tf.reshape(targets, [batch * patches]))); // [B*N]
    return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  });
}
