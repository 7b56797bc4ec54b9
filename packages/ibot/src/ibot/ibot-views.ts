import type * as tf from '@tensorflow/tfjs-core';

/**
 * The inputs of one iBOT step: the global crops (masked for the student, whole for the teacher)
 * and the local crops, each kind stacked crop after crop (`[crop0 of every image; crop1 of every
 * image; ...]`), as the official multi-crop wrapper concatenates them.
 */
export interface IbotViews {
  /** `[globalCrops * batch, H, W, C]`. */
  readonly global: tf.Tensor4D;
  /** `[localCrops * batch, h, w, C]`, when there are local crops. */
  readonly local?: tf.Tensor4D;
  /** `[globalCrops * batch, patches]`: 1 where the student's patch is masked. */
  readonly masks: tf.Tensor2D;
  /** Global crops per image (2 in iBOT). */
  readonly globalCropCount: number;
}
