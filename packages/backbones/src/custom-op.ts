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
    const { value, gradFunc } = body(args.slice(0, -1) as Inputs, save);
    // tfjs calls gradFunc outside any tidy: everything it creates besides the gradients would stay
    // alive until the whole backward pass ends (~75 MB per image for a ViT-Tiny). Free it at once.
    return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => gradFunc(dy, saved)) };
  }) as Parameters<typeof tf.customGrad>[0]);
  return (...inputs: Inputs) => op(...inputs);
}
