import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger, checkNumber, checkOptions, invalidArgument, type Module, type Parameter } from '@selfsup/core';

/** Options of {@link createCenter}. */
export interface CenterOptions {
  /** Width of the outputs centred (the head's `outDim` or `patchOutDim`). */
  dim: number;
  /**
   * Weight of the old centre in each update: `center = momentum * center + (1 - momentum) * batchCenter`.
   * @defaultValue 0.9 (DINO/iBOT's `center_momentum`)
   */
  momentum?: number;
  /**
   * PyTorch state-dict name: `center` for the [CLS] centre, `center2` for iBOT's patch centre.
   * @defaultValue 'center'
   */
  name?: string;
  /**
   * PyTorch shape of the buffer: `[1, dim]` for the [CLS] centre, `[1, 1, dim]` for iBOT's patch
   * centre. The value is stored `[dim]`.
   * @defaultValue [1, dim]
   */
  torchShape?: readonly number[];
}

/**
 * What a batch contributes to a centre: the sum over its rows (or over images of each image's token
 * mean) and how many rows (images) that is. Workers all-reduce `sum` and `count` (sum both), then
 * call {@link Center.updateFromStatistics}.
 */
export interface CenterStatistics {
  /** `[dim]`; the caller owns it. */
  readonly sum: tf.Tensor1D;
  readonly count: number;
}

/** A running centre of teacher outputs, kept as state (a module with one non-trainable buffer). */
export interface Center extends Module {
  /** `[dim]`: the current centre. Pass it to `teacherTargets` of `@selfsup/losses`. */
  readonly value: tf.Variable<tf.Rank.R1>;
  readonly momentum: number;
  /**
   * Moves the centre towards this batch's mean teacher output. `[rows, dim]` ([CLS] outputs): the
   * mean over rows. `[images, tokens, dim]` (patch outputs): the mean over images of each image's
   * token mean, i.e. over every token of the batch. Single process; see {@link statistics} for
   * several workers.
   */
  update(teacherOutputs: tf.Tensor): void;
  /** This batch's contribution, to all-reduce across workers before {@link updateFromStatistics}. */
  statistics(teacherOutputs: tf.Tensor): CenterStatistics;
  /** Applies all-reduced statistics: `center = m * center + (1 - m) * sum / count`. */
  updateFromStatistics(statistics: CenterStatistics): void;
}

/**
 * Creates the running centre of DINO and iBOT: the exponential moving average of the teacher's
 * outputs, subtracted from them before sharpening (`teacherTargets`) so that no prototype
 * dominates and training does not collapse. Starts at zero, as the official buffers; saved under
 * PyTorch's name and shape (`center` `[1, dim]`, `center2` `[1, 1, dim]`) through `parameters()`.
 * Update it after the loss, with the teacher outputs of the global crops.
 *
 * @example
 * ```ts
 * const center = createCenter({ dim: 1024 });
 * const patchCenter = createCenter({ dim: 1024, name: 'center2', torchShape: [1, 1, 1024] });
 * // after the loss of a step, with the teacher's outputs of the global crops:
 * center.update(tf.randomNormal([8, 1024])); // [2B, K] [CLS] logits
 * patchCenter.update(tf.randomNormal([8, 64, 1024])); // [2B, N, K] patch logits
 * center.value.print();
 * ```
 */
export function createCenter(options: CenterOptions): Center {
  checkOptions('createCenter(options)', options);
  const dim = checkInteger('createCenter(options.dim)', options.dim, 1);
  const momentum = checkNumber('createCenter(options.momentum)', options.momentum ?? 0.9, 0, 1);
  const name = options.name ?? 'center';
  const torchShape = options.torchShape ?? [1, dim];
  if (torchShape.reduce((a, b) => a * b, 1) !== dim) {
    throw invalidArgument({ argument: 'createCenter(options.torchShape)', expected: `a shape of ${dim} elements`, actual: torchShape });
  }
  const value = tf.tidy(() => tf.variable(tf.zeros([dim]), false)) as tf.Variable<tf.Rank.R1>;
  const parameters: Parameter[] = [
    { name, variable: value, torch: { shape: [...torchShape], perm: torchShape.map((_, i) => i) }, trainable: false },
  ];
  let disposed = false;

  function checkAlive(where: string): void {
    if (disposed) throw new SslError('DISPOSED', `center.${where}: this centre was disposed; create a new one.`);
  }

  function statistics(teacherOutputs: tf.Tensor): CenterStatistics {
    checkAlive('statistics');
    const ok = teacherOutputs instanceof tf.Tensor && (teacherOutputs.rank === 2 || teacherOutputs.rank === 3) && teacherOutputs.shape[teacherOutputs.rank - 1] === dim;
    if (!ok) {
      throw invalidArgument({
        argument: 'center.update(teacherOutputs)',
        expected: `teacher outputs [rows, ${dim}] or [images, tokens, ${dim}]`,
        actual: teacherOutputs instanceof tf.Tensor ? teacherOutputs.shape : teacherOutputs,
        code: 'SHAPE_MISMATCH',
        fix: `This centre is ${dim} wide: update it with the outputs it centres.`,
      });
    }
    return {
      count: teacherOutputs.shape[0]!,
      sum: tf.tidy('center.statistics', () => {
        // [I, T, K] -> [I, K] token means, as the official teacher_patch.mean(1)
        const rows = teacherOutputs.rank === 3 ? tf.mean(teacherOutputs, 1) : teacherOutputs;
        return tf.sum(rows, 0) as tf.Tensor1D;
      }),
    };
  }

  function updateFromStatistics(batch: CenterStatistics): void {
    checkAlive('updateFromStatistics');
    checkInteger('center.updateFromStatistics(statistics.count)', batch.count, 1);
    if (!(batch.sum instanceof tf.Tensor) || batch.sum.size !== dim) {
      throw invalidArgument({ argument: 'center.updateFromStatistics(statistics.sum)', expected: `${dim} values`, actual: batch.sum instanceof tf.Tensor ? batch.sum.shape : batch.sum, code: 'SHAPE_MISMATCH' });
    }
    tf.tidy('center.update', () => {
      const batchCenter = tf.div(tf.reshape(batch.sum, [dim]), batch.count);
      value.assign(tf.add(tf.mul(value, momentum), tf.mul(batchCenter, 1 - momentum)) as tf.Tensor1D);
    });
  }

  return {
    value,
    momentum,
    parameters: () => parameters,
    statistics,
    updateFromStatistics,
    update(teacherOutputs) {
      const batch = statistics(teacherOutputs);
      try {
        updateFromStatistics(batch);
      } finally {
        batch.sum.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      value.dispose();
    },
  };
}
