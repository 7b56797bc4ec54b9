import * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';

/**
 * Gradients by parameter name: a `Map` or a plain object such as the `grads` of
 * `tf.variableGrads`. A parameter without an entry has no gradient this step (PyTorch's
 * `p.grad is None`).
 */
export type Gradients = ReadonlyMap<string, tf.Tensor> | tf.NamedTensorMap;

/** The entries of {@link Gradients} as a new `Map` holding the same tensors (no copies). */
export function gradientEntries(gradients: Gradients, label: string): Map<string, tf.Tensor> {
  if (gradients === null || typeof gradients !== 'object') {
    throw invalidArgument({ argument: label, expected: 'a Map or an object of tensors by name', actual: gradients });
  }
  const entries = gradients instanceof Map ? [...gradients.entries()] : Object.entries(gradients as tf.NamedTensorMap);
  const out = new Map<string, tf.Tensor>();
  for (const [name, tensor] of entries) {
    if (!(tensor instanceof tf.Tensor)) {
      throw invalidArgument({ argument: `${label}[${JSON.stringify(name)}]`, expected: 'a tf.Tensor', actual: tensor });
    }
    if (tensor.isDisposed) {
      throw invalidArgument({
        argument: `${label}[${JSON.stringify(name)}]`,
        expected: 'a live tensor',
        actual: 'a disposed tensor',
        fix: 'Keep gradients alive until the optimizer step has run.',
      });
    }
    out.set(name, tensor);
  }
  return out;
}
