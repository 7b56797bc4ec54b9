import type * as tf from '@tensorflow/tfjs-core';
import type { Communicator, ReduceOp } from './communicator.js';
import { DEFAULT_BUCKET_BYTES, planBuckets, readBucket, splitBucket } from './tensor-buckets.js';

/** Options of {@link allReduceTensors}. */
export interface AllReduceTensorsOptions {
  /** `mean` for gradients (the mean over ranks of each rank's mean is the mean over the global batch). @defaultValue 'mean' */
  op?: ReduceOp;
  /** Largest flat buffer per collective, in bytes. @defaultValue 25 MiB (PyTorch DDP's bucket_cap_mb) */
  bucketBytes?: number;
}

/**
 * All-reduces named tensors (gradients) across the ranks, in buckets of flat float32 buffers: one
 * collective per bucket, not per tensor. Every rank must pass the same names in the same order
 * with the same shapes. Returns new tensors by the same names; the caller owns them (the inputs
 * are left as they are). With one rank the values come back unchanged.
 *
 * @example
 * ```ts
 * const averaged = await allReduceTensors(communicator, gradients, { op: 'mean' });
 * ```
 */
export async function allReduceTensors(
  communicator: Communicator,
  tensors: ReadonlyMap<string, tf.Tensor>,
  options: AllReduceTensorsOptions = {},
): Promise<Map<string, tf.Tensor>> {
  const op = options.op ?? 'mean';
  const names = [...tensors.keys()];
  const buckets = planBuckets(names.map((name) => tensors.get(name)!), options.bucketBytes ?? DEFAULT_BUCKET_BYTES);
  const out = new Map<string, tf.Tensor>();
  let index = 0;
  try {
    // every bucket read first, then reduced: the collectives queue behind each other off-thread
    const buffers = await Promise.all(buckets.map((bucket) => readBucket(bucket)));
    await Promise.all(buffers.map((buffer) => communicator.allReduce(buffer, op)));
    buckets.forEach((bucket, b) => {
      for (const tensor of splitBucket(buffers[b]!, bucket)) out.set(names[index++]!, tensor);
    });
    return out;
  } catch (error) {
    for (const tensor of out.values()) tensor.dispose();
    throw error;
  }
}
