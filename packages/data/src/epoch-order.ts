import { checkInteger, createRng } from '@selfsup/core';

/**
 * The order in which an epoch visits `count` samples: a permutation of `0..count-1` that depends
 * only on `(seed, epoch)`, so a run resumed at any epoch sees the same batches. The generator of
 * epoch `e` is the `e+1`-th `fork()` of `createRng(seed)`.
 *
 * @example
 * ```ts
 * epochOrder(5, 42, 0); // Int32Array [3, 0, 4, 1, 2] (say), the same on every machine
 * ```
 */
export function epochOrder(count: number, seed: number, epoch: number): Int32Array {
  checkInteger('epochOrder(count)', count, 0);
  checkInteger('epochOrder(epoch)', epoch, 0);
  const root = createRng(seed);
  let rng = root.fork();
  for (let e = 0; e < epoch; e++) rng = root.fork();
  return rng.permutation(count);
}
