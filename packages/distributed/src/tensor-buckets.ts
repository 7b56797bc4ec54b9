import * as tf from '@tensorflow/tfjs-core';
import { checkInteger } from '@selfsup/core';

/** Bucket size of gradients and state sent per collective, as PyTorch DDP's `bucket_cap_mb` (25). */
export const DEFAULT_BUCKET_BYTES = 25 * 1024 * 1024;

/**
 * Splits tensors, in order, into buckets of at most `bucketBytes` of float32 values (a tensor
 * larger than that makes a bucket of its own), so that a model's gradients travel in a few large
 * flat buffers rather than one collective per tensor.
 */
export function planBuckets<T extends tf.Tensor>(tensors: readonly T[], bucketBytes: number = DEFAULT_BUCKET_BYTES): T[][] {
  checkInteger('bucketBytes', bucketBytes, 4);
  const buckets: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const tensor of tensors) {
    const size = tensor.size * 4;
    if (current.length > 0 && bytes + size > bucketBytes) {
      buckets.push(current);
      current = [];
      bytes = 0;
    }
    current.push(tensor);
    bytes += size;
  }
  if (current.length > 0) buckets.push(current);
  return buckets;
}

/** The bucket's tensors flattened and concatenated, read to the host (one read per bucket). */
export async function readBucket(bucket: readonly tf.Tensor[]): Promise<Float32Array> {
  const flat = tf.tidy('readBucket', () => (bucket.length === 1 ? tf.reshape(tf.cast(bucket[0]!, 'float32'), [-1]) : tf.concat(bucket.map((t) => tf.reshape(tf.cast(t, 'float32'), [-1])))));
  try {
    // a copy: the cpu backend may hand out its own storage, which the collective then writes
    return new Float32Array(await flat.data<'float32'>());
  } finally {
    flat.dispose();
  }
}

/** Splits a flat buffer back into tensors of the bucket's shapes (the caller owns them). */
export function splitBucket(values: Float32Array, bucket: readonly tf.Tensor[]): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  let offset = 0;
  for (const tensor of bucket) {
    out.push(tf.tensor(values.subarray(offset, offset + tensor.size), tensor.shape, 'float32'));
    offset += tensor.size;
  }
  return out;
}
