// A hand-checkable recipe for the tests: loss = mean over the batch rows of (x_i . w) + u * c_i,
// so the gradient is the mean of the rows: w gets mean(x_i), u gets mean(c_i).
import * as tf from '@tensorflow/tfjs-core';
import type { Parameter, Recipe } from '@selfsup/core';

/** Rows `x_i` of the batch (each as long as `w`) and a scalar `c_i` per row. */
export interface LinearBatch {
  readonly rows: readonly (readonly number[])[];
  readonly scalars: readonly number[];
}

export type LinearRecipe = Recipe<LinearBatch, { x: tf.Tensor2D; c: tf.Tensor1D }, tf.Scalar, null> & {
  readonly w: tf.Variable;
  readonly u: tf.Variable;
  readonly unused: tf.Variable;
};

export function createLinearRecipe(w0: readonly number[], u0: number): LinearRecipe {
  const w = tf.variable(tf.tensor1d([...w0]));
  const u = tf.variable(tf.tensor1d([u0]));
  const unused = tf.variable(tf.tensor1d([7]));
  const parameters: Parameter[] = [
    { name: 'w', variable: w, trainable: true },
    { name: 'u', variable: u, trainable: true },
    { name: 'unused', variable: unused, trainable: true },
  ];
  return {
    name: 'linear-test',
    w,
    u,
    unused,
    trainableParameters: () => parameters,
    modules: () => ({ model: { parameters: () => parameters, dispose: () => undefined } }),
    makeViews: (batch) => ({ x: tf.tensor2d(batch.rows.map((r) => [...r])), c: tf.tensor1d([...batch.scalars]) }),
    makeTargets: () => null,
    forward: (views) =>
      tf.mean(tf.add(tf.sum(tf.mul(views.x, w), 1), tf.mul(views.c, tf.reshape(u, [])))) as tf.Scalar,
    objectives: [{ name: 'linear', compute: (outputs) => ({ loss: outputs }) }],
    afterStep: () => undefined,
    dispose: () => tf.dispose([w, u, unused]),
  };
}
