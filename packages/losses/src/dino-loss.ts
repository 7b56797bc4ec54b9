import * as tf from '@tensorflow/tfjs-core';
import { checkInteger, checkOptions, checkPositive, invalidArgument } from '@selfsup/core';
import { checkTensor, describeTensor } from './check-tensor.js';

/** Inputs of {@link dinoLoss}. */
export interface DinoLossInputs {
  /**
   * `[globalCrops * batch, dim]`: student logits of the global crops, crop after crop (rows
   * `c * batch .. (c + 1) * batch - 1` are crop `c` of every image).
   */
  studentGlobal: tf.Tensor2D;
  /** `[localCrops * batch, dim]`: student logits of the local crops, crop after crop. */
  studentLocal?: tf.Tensor2D;
  /**
   * `[globalCrops * batch, dim]`: teacher targets (probabilities) of the global crops, from
   * {@link teacherTargets}, in the order of `studentGlobal`.
   */
  teacherTargets: tf.Tensor2D;
  /** Global crops per image (2 in DINO/iBOT). */
  globalCropCount: number;
  /**
   * The student's softmax temperature.
   * @defaultValue 0.1
   */
  studentTemperature?: number;
}

/** Crop layout of DINO-style inputs: checked sizes. */
export interface CropLayout {
  readonly batch: number;
  readonly globalCrops: number;
  readonly localCrops: number;
}

/** The names of the three tensors of DINO-style inputs, for error messages. */
export interface CropLayoutNames {
  readonly global: string;
  readonly local: string;
  readonly targets: string;
}

const DINO_NAMES: CropLayoutNames = { global: 'studentGlobal', local: 'studentLocal', targets: 'teacherTargets' };

/** Checks the crop layout of DINO-style inputs and returns the batch and crop counts. */
export function checkCropLayout(
  where: string,
  studentGlobal: unknown,
  studentLocal: unknown,
  teacherTargets: unknown,
  globalCropCount: number,
  names: CropLayoutNames = DINO_NAMES,
): CropLayout {
  const globalCrops = checkInteger(`${where}(inputs.globalCropCount)`, globalCropCount, 1);
  const global = checkTensor<tf.Tensor2D>(`${where}(inputs.${names.global})`, studentGlobal, [null, null], '[globalCrops * batch, dim]');
  const [rows, dim] = global.shape;
  if (rows % globalCrops !== 0 || rows === 0) {
    throw invalidArgument({
      argument: `${where}(inputs.${names.global})`,
      expected: `a positive multiple of globalCropCount (${globalCrops}) rows`,
      actual: describeTensor(global),
      code: 'SHAPE_MISMATCH',
      fix: 'Stack every global crop of the batch along the rows, crop after crop, and pass their count as globalCropCount.',
    });
  }
  const batch = rows / globalCrops;
  checkTensor(`${where}(inputs.${names.targets})`, teacherTargets, [rows, dim], `[${rows}, ${dim}] (the teacher's targets for the same global crops as ${names.global})`);
  let localCrops = 0;
  if (studentLocal !== undefined) {
    const local = checkTensor<tf.Tensor2D>(`${where}(inputs.${names.local})`, studentLocal, [null, dim], `[localCrops * ${batch}, ${dim}]`);
    if (local.shape[0] % batch !== 0) {
      throw invalidArgument({
        argument: `${where}(inputs.${names.local})`,
        expected: `a multiple of the batch (${batch} images = ${rows} global rows / ${globalCrops} crops) rows`,
        actual: describeTensor(local),
        code: 'SHAPE_MISMATCH',
        fix: 'Every image must have the same number of local crops, stacked crop after crop.',
      });
    }
    localCrops = local.shape[0] / batch;
  }
  if (globalCrops + localCrops < 2) {
    throw invalidArgument({
      argument: `${where}(inputs)`,
      expected: 'at least two views per image (the loss compares different views)',
      actual: `${globalCrops} global and ${localCrops} local crop(s)`,
      fix: 'Add a second global crop or local crops.',
    });
  }
  return { batch, globalCrops, localCrops };
}

/**
 * The DINO self-distillation loss (Caron et al., 2021), iBOT's [CLS] loss. For every global crop
 * `q` (teacher) and every other crop `v` (student, global or local, `v ≠ q`), the cross-entropy of
 * the student's distribution `p_v = softmax(s_v / studentTemperature)` against the teacher's
 * targets `t_q`, averaged over the batch; the result is the mean over those pairs:
 *
 * `L = 1 / (G (V - 1)) * sum_q sum_{v ≠ q} mean_b( -sum_k t_q[b, k] log p_v[b, k] )`
 *
 * with `G` global and `V` crops in all. Gradients flow to the student logits only.
 *
 * @returns a scalar; the caller owns it.
 * @throws SslError `SHAPE_MISMATCH` when the rows do not divide into crops of one batch.
 *
 * @example
 * ```ts
 * const batch = 4;
 * const studentGlobal = tf.randomNormal([2 * batch, 16]) as tf.Tensor2D; // 2 global crops
 * const studentLocal = tf.randomNormal([6 * batch, 16]) as tf.Tensor2D; // 6 local crops
 * const targets = teacherTargets(tf.randomNormal([2 * batch, 16]), { temperature: 0.04 }) as tf.Tensor2D;
 * const loss = dinoLoss({ studentGlobal, studentLocal, teacherTargets: targets, globalCropCount: 2 });
 * loss.print();
 * ```
 */
export function dinoLoss(inputs: DinoLossInputs): tf.Scalar {
  checkOptions('dinoLoss(inputs)', inputs);
  const { studentGlobal, studentLocal, teacherTargets: targets } = inputs;
  const studentTemperature = checkPositive('dinoLoss(inputs.studentTemperature)', inputs.studentTemperature ?? 0.1);
  const layout = checkCropLayout('dinoLoss', studentGlobal, studentLocal, targets, inputs.globalCropCount);
  return tf.tidy('dinoLoss', () => crossViewLoss(studentGlobal, studentLocal, targets, layout, studentTemperature));
}

/** The DINO loss on checked inputs (no tidy: call inside one). */
export function crossViewLoss(
  studentGlobal: tf.Tensor2D,
  studentLocal: tf.Tensor2D | undefined,
  targets: tf.Tensor2D,
  layout: CropLayout,
  studentTemperature: number,
): tf.Scalar {
  const { batch, globalCrops, localCrops } = layout;
  const dim = studentGlobal.shape[1];
  const views = globalCrops + localCrops;
  const student = studentLocal ? tf.concat([studentGlobal, studentLocal], 0) : studentGlobal; // [V*B, K]
  const logProbabilities = tf.reshape(tf.logSoftmax(tf.div(student, studentTemperature)), [views, batch * dim]); // [V, B*K]
  const teacher = tf.reshape(targets, [globalCrops, batch * dim]); // [G, B*K]
  // sum_q sum_{v != q} <t_q, log p_v> = <sum_q t_q, sum_v log p_v> - sum_q <t_q, log p_q>
  const allPairs = tf.sum(tf.mul(tf.sum(teacher, 0), tf.sum(logProbabilities, 0)));
  const samePairs = tf.sum(tf.mul(teacher, tf.slice(logProbabilities, [0, 0], [globalCrops, batch * dim])));
  const pairCount = globalCrops * (views - 1);
  return tf.div(tf.sub(samePairs, allPairs), batch * pairCount) as tf.Scalar;
}
