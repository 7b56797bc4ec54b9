import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, type Objective } from '@selfsup/core';
import { koleoLoss } from '@selfsup/losses';

/**
 * DINOv2's KoLeo regulariser as an objective named `koleo`, ready to append to a recipe's
 * objectives. KoLeo (from the Kozachenko-Leonenko entropy estimator) pushes each feature away from
 * its nearest neighbour in the batch, so features spread evenly over the sphere. As in DINOv2, it
 * is computed on the student's backbone [CLS] features (before the head) of each global crop
 * separately, with the neighbours searched within that crop's batch, and summed over the crops:
 *
 * `L = weight * sum_c koleo(classTokens[c * B .. (c + 1) * B - 1])`
 *
 * It reads `outputs.classTokens` (`[globalCrops * batch, dim]`, crop after crop) and
 * `views.globalCropCount`; each crop's batch must hold at least 2 images.
 *
 * @param weight - the loss weight (`koleo_loss_weight`, 0.1 in DINOv2).
 *
 * @example
 * ```ts
 * const dino = createDinoRecipe({ ... });
 * const withKoleo = { ...dino, objectives: [...dino.objectives, koleoObjective(0.1)] };
 * ```
 */
export function koleoObjective<Views extends { readonly globalCropCount: number }, Outputs extends { readonly classTokens: tf.Tensor2D }>(
  weight: number,
): Objective<Views, Outputs, unknown> {
  checkNumber('koleoObjective(weight)', weight, 0);
  return {
    name: 'koleo',
    compute: (outputs, _targets, views) => ({
      loss: tf.tidy('koleoObjective', () => {
        const crops = views.globalCropCount;
        const batch = outputs.classTokens.shape[0] / crops;
        const perCrop: tf.Scalar[] = [];
        for (let c = 0; c < crops; c++) {
          // [G*B, D] -> crop c's rows [B, D]
          perCrop.push(koleoLoss(tf.slice(outputs.classTokens, [c * batch, 0], [batch, -1]) as tf.Tensor2D));
        }
        return tf.mul(perCrop.length === 1 ? perCrop[0]! : tf.addN(perCrop), weight) as tf.Scalar;
      }),
    }),
  };
}
