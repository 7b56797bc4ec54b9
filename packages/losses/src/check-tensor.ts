import * as tf from '@tensorflow/tfjs-core';
import { checkNotDisposed, invalidArgument } from '@selfsup/core';

/** Describes a tensor (or anything else) for an error message. */
export function describeTensor(value: unknown): string {
  return value instanceof tf.Tensor ? `${value.dtype} [${value.shape.join(', ')}]` : String(value);
}

/**
 * Checks that `value` is a live (not disposed) tensor of rank `rank` whose sizes match `expected`
 * (`null` matches any size); `meaning` spells the expected shape out for the message, e.g.
 * `[batch, patches, dim]`.
 */
export function checkTensor<T extends tf.Tensor>(
  argument: string,
  value: unknown,
  expected: readonly (number | null)[],
  meaning: string,
  fix?: string,
): T {
  checkNotDisposed(argument, value);
  const ok =
    value instanceof tf.Tensor &&
    value.rank === expected.length &&
    expected.every((size, axis) => size === null || size === value.shape[axis]);
  if (!ok) {
    throw invalidArgument({
      argument,
      expected: `a tensor ${meaning}`,
      actual: describeTensor(value),
      code: 'SHAPE_MISMATCH',
      ...(fix ? { fix } : {}),
    });
  }
  return value as T;
}
