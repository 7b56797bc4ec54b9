import * as tf from '@tensorflow/tfjs-core';
import { checkOptions, checkPositive } from '@selfsup/core';
import { checkTensor } from './check-tensor.js';
import { maskRows, type TokenMaskInput } from './token-mask.js';

/** Inputs of {@link ibotPatchLoss}. */
export interface IbotPatchLossInputs {
  /** `[images, patches, dim]`: student patch logits of the global crops (masked views), crop after crop. */
  studentPatch: tf.Tensor3D;
  /** `[images, patches, dim]`: teacher patch targets of the same crops, unmasked, from {@link teacherTargets}. */
  teacherPatchTargets: tf.Tensor3D;
  /** 1 where the student's patch was masked: `[images, patches]`, `[images, h, w]` or one tensor per crop. */
  masks: TokenMaskInput;
  /**
   * The student's softmax temperature.
   * @defaultValue 0.1
   */
  studentTemperature?: number;
}

/**
 * iBOT's masked image modelling loss (Zhou et al., 2022): on each global crop, the student sees
 * some patches masked and must predict, for each masked patch, the teacher's distribution for that
 * patch of the unmasked crop (same view, same position). Per image, the cross-entropies of its
 * masked patches are averaged; an image with no masked patch counts as 0. The loss is the mean over
 * images (so over crops too, as every crop has the same batch):
 *
 * `L = mean_i [ sum_n m[i, n] * ( -sum_k t[i, n, k] log softmax(s[i, n] / studentTemperature)_k ) / max(1, sum_n m[i, n]) ]`
 *
 * @returns a scalar; the caller owns it.
 * @throws SslError `SHAPE_MISMATCH` when the masks do not match the patch grid or the images.
 *
 * @example
 * ```ts
 * const studentPatch = tf.randomNormal([8, 16, 32]) as tf.Tensor3D; // 2 crops x 4 images, 4x4 patches
 * const teacherPatchTargets = teacherTargets(tf.randomNormal([8, 16, 32]), { temperature: 0.04 }) as tf.Tensor3D;
 * const masks = tf.greater(tf.randomUniform([8, 4, 4]), 0.7); // [images, h, w], true = masked
 * ibotPatchLoss({ studentPatch, teacherPatchTargets, masks }).print();
 * ```
 */
export function ibotPatchLoss(inputs: IbotPatchLossInputs): tf.Scalar {
  checkOptions('ibotPatchLoss(inputs)', inputs);
  const studentTemperature = checkPositive('ibotPatchLoss(inputs.studentTemperature)', inputs.studentTemperature ?? 0.1);
  const student = checkTensor<tf.Tensor3D>('ibotPatchLoss(inputs.studentPatch)', inputs.studentPatch, [null, null, null], '[images, patches, dim]');
  const [images, patches, dim] = student.shape;
  checkTensor('ibotPatchLoss(inputs.teacherPatchTargets)', inputs.teacherPatchTargets, [images, patches, dim], `[${images}, ${patches}, ${dim}] (the shape of studentPatch)`);
  return tf.tidy('ibotPatchLoss', () => {
    const masks = maskRows('ibotPatchLoss(inputs.masks)', inputs.masks, images, patches);
    return maskedPatchLoss(student, inputs.teacherPatchTargets, masks, studentTemperature);
  });
}

/** The patch loss on checked inputs, masks `[images, patches]` float (no tidy: call inside one). */
export function maskedPatchLoss(student: tf.Tensor3D, targets: tf.Tensor3D, masks: tf.Tensor2D, studentTemperature: number): tf.Scalar {
  const logProbabilities = tf.logSoftmax(tf.div(student, studentTemperature)); // [I, N, P]
  const crossEntropy = tf.neg(tf.sum(tf.mul(targets, logProbabilities), -1)); // [I, N]
  const perImage = tf.div(tf.sum(tf.mul(crossEntropy, masks), 1), tf.maximum(tf.sum(masks, 1), 1)); // [I]
  return tf.mean(perImage) as tf.Scalar;
}
