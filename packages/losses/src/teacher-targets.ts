import * as tf from '@tensorflow/tfjs-core';
import { checkNotDisposed, checkOptions, checkPositive, invalidArgument } from '@selfsup/core';
import { describeTensor } from './check-tensor.js';

/** Options of {@link teacherTargets}. */
export interface TeacherTargetsOptions {
  /**
   * The teacher temperature, usually a schedule's value at the iteration (0.04 to 0.07 in
   * DINO/iBOT, `cosineSchedule({ ..., updateEvery: 'epoch' })` of `@selfsup/optim`): below the
   * student's 0.1, it sharpens the targets.
   */
  temperature: number;
  /**
   * The running centre subtracted from every output, as many values as the last axis (any shape,
   * e.g. `[dim]`, `[1, dim]` or the official `[1, 1, dim]`). None: no centring.
   */
  center?: tf.Tensor;
}

/**
 * The teacher's targets in DINO and iBOT: its outputs are centred (the running mean of past
 * outputs is subtracted, which keeps any one prototype from dominating) and sharpened (a softmax at
 * a low temperature, which keeps the distribution from becoming uniform):
 * `targets = softmax((teacherLogits - center) / temperature)` over the last axis.
 *
 * Compute them before taking gradients (the teacher is not trained), then pass them to
 * {@link dinoLoss}, {@link ibotPatchLoss} or {@link ibotLoss}.
 *
 * @param teacherLogits - `[..., dim]` teacher head outputs.
 * @returns `[..., dim]` probabilities; the caller owns them.
 *
 * @example
 * ```ts
 * const targets = teacherTargets(tf.tensor2d([[1, 0]]), { temperature: 0.5, center: tf.tensor1d([0.5, 0]) });
 * // softmax([0.5, 0] / 0.5) = softmax([1, 0]) = [0.731, 0.269]
 * ```
 */
export function teacherTargets(teacherLogits: tf.Tensor, options: TeacherTargetsOptions): tf.Tensor {
  checkOptions('teacherTargets(options)', options);
  const temperature = checkPositive('teacherTargets(options.temperature)', options.temperature);
  checkNotDisposed('teacherTargets(teacherLogits)', teacherLogits);
  checkNotDisposed('teacherTargets(options.center)', options.center);
  if (!(teacherLogits instanceof tf.Tensor) || teacherLogits.rank < 1) {
    throw invalidArgument({ argument: 'teacherTargets(teacherLogits)', expected: 'a tensor [..., dim]', actual: describeTensor(teacherLogits), code: 'SHAPE_MISMATCH' });
  }
  const dim = teacherLogits.shape[teacherLogits.rank - 1]!;
  const { center } = options;
  if (center !== undefined && (!(center instanceof tf.Tensor) || center.size !== dim)) {
    throw invalidArgument({
      argument: 'teacherTargets(options.center)',
      expected: `a tensor of ${dim} values (the last axis of teacherLogits)`,
      actual: describeTensor(center),
      code: 'SHAPE_MISMATCH',
      fix: 'Use the centre made for this output (createCenter({ dim }) of @selfsup/ema).',
    });
  }
  return tf.tidy('teacherTargets', () => {
    const centred = center ? tf.sub(teacherLogits, tf.reshape(center, [dim])) : teacherLogits;
    return tf.softmax(tf.div(centred, temperature));
  });
}
