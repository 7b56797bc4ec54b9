import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkShape } from '@selfsup/core';
import { gradientEntries, type Gradients } from './gradients.js';

/**
 * Sums gradients over micro-batches in `tf.Variable`s, so that a large batch can be processed in
 * pieces that fit in memory (the wasm heap is capped at 4 GB).
 */
export interface GradientAccumulator {
  /** How many times {@link GradientAccumulator.add} was called since the last reset. */
  readonly count: number;
  /** The names accumulated so far, in first-seen order. */
  readonly names: readonly string[];
  /** Adds one micro-batch's gradients. Does not dispose them. */
  add(gradients: Gradients): void;
  /** The sums. The caller owns the returned tensors. */
  sum(): Map<string, tf.Tensor>;
  /**
   * The sums divided by {@link GradientAccumulator.count}: with a loss averaged over each
   * micro-batch and micro-batches of equal size, the gradient of the loss averaged over the whole
   * batch. A name missing from some micro-batches counts as zero there. The caller owns the
   * returned tensors.
   */
  mean(): Map<string, tf.Tensor>;
  /** Starts a new accumulation (keeps the variables' memory for reuse). */
  reset(): void;
  /** Disposes the variables. */
  dispose(): void;
}

/**
 * Creates a {@link GradientAccumulator}.
 *
 * @example
 * ```ts
 * const accumulator = createGradientAccumulator();
 * for (const micro of microBatches) {
 *   const { grads, value } = tf.variableGrads(() => lossOf(micro), variables);
 *   accumulator.add(grads);
 *   tf.dispose([value, ...Object.values(grads)]);
 * }
 * const mean = accumulator.mean();
 * optimizer.step(mean, iteration);
 * tf.dispose([...mean.values()]);
 * accumulator.reset();
 * ```
 */
export function createGradientAccumulator(): GradientAccumulator {
  const sums = new Map<string, tf.Variable>();
  const present = new Set<string>();
  const order: string[] = [];
  let count = 0;
  let disposed = false;

  function assertLive(method: string): void {
    if (disposed) throw new SslError('DISPOSED', `gradientAccumulator.${method}(): the accumulator was disposed.`);
  }

  function read(divisor: number, label: string): Map<string, tf.Tensor> {
    const names = order.filter((name) => present.has(name));
    // tf.tidy keeps tensors inside arrays (not Maps): build the Map afterwards
    const tensors = tf.tidy(label, () =>
      names.map((name) => {
        const variable = sums.get(name)!;
        return divisor === 1 ? tf.clone(variable) : tf.div(variable, tf.scalar(divisor));
      }),
    );
    return new Map(names.map((name, i) => [name, tensors[i]!]));
  }

  return {
    get count() {
      return count;
    },
    get names() {
      return order.filter((name) => present.has(name));
    },

    add(gradients: Gradients): void {
      assertLive('add');
      const entries = gradientEntries(gradients, 'gradientAccumulator.add(gradients)');
      for (const [name, gradient] of entries) {
        const existing = sums.get(name);
        if (existing) checkShape(`gradientAccumulator.add(gradients["${name}"])`, gradient.shape, existing.shape, 'the shape accumulated so far');
      }
      tf.tidy('gradientAccumulatorAdd', () => {
        for (const [name, gradient] of entries) {
          const g = gradient.dtype === 'float32' ? gradient : tf.cast(gradient, 'float32');
          const existing = sums.get(name);
          if (!existing) {
            sums.set(name, tf.variable(tf.clone(g), false));
            order.push(name);
          } else if (!present.has(name)) {
            existing.assign(g);
          } else {
            existing.assign(tf.add(existing, g));
          }
          present.add(name);
        }
      });
      count += 1;
    },

    sum(): Map<string, tf.Tensor> {
      assertLive('sum');
      return read(1, 'gradientAccumulatorSum');
    },

    mean(): Map<string, tf.Tensor> {
      assertLive('mean');
      if (count === 0) {
        throw new SslError('INVALID_ARGUMENT', 'gradientAccumulator.mean(): nothing was added since the last reset. Call add(gradients) first.');
      }
      return read(count, 'gradientAccumulatorMean');
    },

    reset(): void {
      assertLive('reset');
      present.clear();
      count = 0;
    },

    dispose(): void {
      if (disposed) return;
      disposed = true;
      for (const variable of sums.values()) variable.dispose();
      sums.clear();
      present.clear();
    },
  };
}
