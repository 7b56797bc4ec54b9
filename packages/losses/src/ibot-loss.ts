import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, checkOptions, checkPositive } from '@selfsup/core';
import { checkCropLayout, crossViewLoss } from './dino-loss.js';
import { maskedPatchLoss } from './ibot-patch-loss.js';
import { checkTensor } from './check-tensor.js';
import { maskRows, type TokenMaskInput } from './token-mask.js';

/** Inputs of {@link ibotLoss}. */
export interface IbotLossInputs {
  /** `[globalCrops * batch, dim]`: student [CLS] logits of the (masked) global crops, crop after crop. */
  studentClass: tf.Tensor2D;
  /** `[globalCrops * batch, patches, patchDim]`: student patch logits of the same crops. */
  studentPatch: tf.Tensor3D;
  /** `[localCrops * batch, dim]`: student [CLS] logits of the local crops, crop after crop. */
  studentLocalClass?: tf.Tensor2D;
  /** `[globalCrops * batch, dim]`: teacher [CLS] targets of the unmasked global crops ({@link teacherTargets}). */
  teacherClassTargets: tf.Tensor2D;
  /** `[globalCrops * batch, patches, patchDim]`: teacher patch targets of the same crops. */
  teacherPatchTargets: tf.Tensor3D;
  /** 1 where the student's patch was masked: `[globalCrops * batch, patches]`, `[.., h, w]`, or one tensor per crop. */
  masks: TokenMaskInput;
  /** Global crops per image (2 in iBOT). */
  globalCropCount: number;
  /**
   * The student's softmax temperature.
   * @defaultValue 0.1
   */
  studentTemperature?: number;
  /**
   * Weight of the [CLS] loss (`lambda1`).
   * @defaultValue 1
   */
  classWeight?: number;
  /**
   * Weight of the patch loss (`lambda2`).
   * @defaultValue 1
   */
  patchWeight?: number;
}

/** The terms of {@link ibotLoss}; the caller owns the three scalars. */
export interface IbotLossTerms {
  /** `classWeight` times the [CLS] (DINO) loss. */
  readonly classLoss: tf.Scalar;
  /** `patchWeight` times the masked-patch loss. */
  readonly patchLoss: tf.Scalar;
  /** Their sum: what to minimise. */
  readonly total: tf.Scalar;
}

/**
 * The iBOT objective (Zhou et al., 2022): self-distillation on the [CLS] token across views
 * ({@link dinoLoss}: every global crop's teacher targets against every other crop of the student,
 * local crops included) plus masked image modelling on patch tokens within each view
 * ({@link ibotPatchLoss}: the student predicts the teacher's distribution of each masked patch):
 *
 * `total = classWeight * L_cls + patchWeight * L_patch`.
 *
 * Takes every input the official `iBOTLoss.forward` takes, with the teacher's centring and
 * sharpening done beforehand by {@link teacherTargets} (outside the gradient tape), and the
 * centres updated afterwards with `createCenter` of `@selfsup/ema`.
 *
 * @example
 * ```ts
 * const [batch, patches, dim] = [4, 16, 32];
 * const center = tf.zeros([dim]);
 * const classTargets = teacherTargets(tf.randomNormal([2 * batch, dim]), { center, temperature: 0.04 }) as tf.Tensor2D;
 * const patchTargets = teacherTargets(tf.randomNormal([2 * batch, patches, dim]), { center, temperature: 0.04 }) as tf.Tensor3D;
 * const { classLoss, patchLoss, total } = ibotLoss({
 *   studentClass: tf.randomNormal([2 * batch, dim]) as tf.Tensor2D,
 *   studentPatch: tf.randomNormal([2 * batch, patches, dim]) as tf.Tensor3D,
 *   studentLocalClass: tf.randomNormal([6 * batch, dim]) as tf.Tensor2D,
 *   teacherClassTargets: classTargets,
 *   teacherPatchTargets: patchTargets,
 *   masks: tf.greater(tf.randomUniform([2 * batch, 4, 4]), 0.7),
 *   globalCropCount: 2,
 * });
 * total.print();
 * ```
 * In training, the student outputs come from `head.project(vit.encode(globalCrops, { tokenMask }))`
 * and `head.projectClass(vit.encode(localCrops).classToken)` inside `tf.variableGrads`, the targets
 * from the teacher before it, and the centres are updated after it.
 */
export function ibotLoss(inputs: IbotLossInputs): IbotLossTerms {
  checkOptions('ibotLoss(inputs)', inputs);
  const studentTemperature = checkPositive('ibotLoss(inputs.studentTemperature)', inputs.studentTemperature ?? 0.1);
  const classWeight = checkNumber('ibotLoss(inputs.classWeight)', inputs.classWeight ?? 1);
  const patchWeight = checkNumber('ibotLoss(inputs.patchWeight)', inputs.patchWeight ?? 1);
  const layout = checkCropLayout('ibotLoss', inputs.studentClass, inputs.studentLocalClass, inputs.teacherClassTargets, inputs.globalCropCount, {
    global: 'studentClass',
    local: 'studentLocalClass',
    targets: 'teacherClassTargets',
  });
  const rows = inputs.studentClass.shape[0];
  const student = checkTensor<tf.Tensor3D>('ibotLoss(inputs.studentPatch)', inputs.studentPatch, [rows, null, null], `[${rows}, patches, patchDim] (one row per row of studentClass)`);
  const [, patches, patchDim] = student.shape;
  checkTensor('ibotLoss(inputs.teacherPatchTargets)', inputs.teacherPatchTargets, [rows, patches, patchDim], `[${rows}, ${patches}, ${patchDim}] (the shape of studentPatch)`);
  return tf.tidy('ibotLoss', () => {
    const masks = maskRows('ibotLoss(inputs.masks)', inputs.masks, rows, patches);
    const classLoss = tf.mul(crossViewLoss(inputs.studentClass, inputs.studentLocalClass, inputs.teacherClassTargets, layout, studentTemperature), classWeight) as tf.Scalar;
    const patchLoss = tf.mul(maskedPatchLoss(student, inputs.teacherPatchTargets, masks, studentTemperature), patchWeight) as tf.Scalar;
    return { classLoss, patchLoss, total: tf.add(classLoss, patchLoss) as tf.Scalar };
  });
}
