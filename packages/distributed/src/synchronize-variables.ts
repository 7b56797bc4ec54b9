import * as tf from '@tensorflow/tfjs-core';
import type { Communicator } from './communicator.js';
import { DEFAULT_BUCKET_BYTES, planBuckets, readBucket, splitBucket } from './tensor-buckets.js';

/**
 * Makes `variables` equal on every rank: `broadcast` copies rank `root`'s values (the same
 * initial weights everywhere, as DDP does at construction), `mean` assigns their mean over the
 * ranks (state each rank updated from its own shard, such as DINO's and iBOT's centres). Travels
 * in buckets of flat buffers. Every rank must pass the same variables, in the same order.
 *
 * @example
 * ```ts
 * await synchronizeVariables(communicator, recipe.trainableParameters().map((p) => p.variable), 'broadcast');
 * ```
 */
export async function synchronizeVariables(
  communicator: Communicator,
  variables: readonly tf.Variable[],
  how: 'broadcast' | 'mean',
  options: { root?: number; bucketBytes?: number } = {},
): Promise<void> {
  if (communicator.worldSize === 1 || variables.length === 0) return;
  for (const bucket of planBuckets(variables, options.bucketBytes ?? DEFAULT_BUCKET_BYTES)) {
    const buffer = await readBucket(bucket);
    if (how === 'broadcast') await communicator.broadcast(buffer, options.root ?? 0);
    else await communicator.allReduce(buffer, 'mean');
    const values = splitBucket(buffer, bucket);
    bucket.forEach((variable, i) => {
      const value = values[i]!;
      variable.assign(variable.dtype === 'float32' ? value : tf.tidy(() => tf.cast(value, variable.dtype)));
      value.dispose();
    });
  }
}
