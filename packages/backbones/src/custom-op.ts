import * as tf from '@tensorflow/tfjs-core';

/** What the body of a {@link customOp} returns: its value and the gradient of each input. */
export interface CustomOpResult {
  value: tf.Tensor;
  gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * A typed wrapper of `tf.customGrad`: `body(inputs, save)` computes the value and says how to
 * differentiate it, with as many gradients as inputs.
 */
export function customOp<Inputs extends tf.Tensor[]>(
  body: (inputs: Inputs, save: tf.GradSaveFunc) => CustomOpResult,
): (...inputs: Inputs) => tf.Tensor {
  const op = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return body(args.slice(0, -1) as Inputs, save);
  }) as Parameters<typeof tf.customGrad>[0]);
  return (...inputs: Inputs) => op(...inputs);
}
