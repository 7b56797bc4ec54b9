import { checkInteger, invalidArgument } from '@selfsup/core';

/** One rank's part of the data: which rank, of how many, and how uneven counts are made even. */
export interface DataShard {
  /** This process's rank, in `[0, worldSize)`. */
  readonly rank: number;
  /** How many ranks share the data. */
  readonly worldSize: number;
  /**
   * `false` (PyTorch's `DistributedSampler` default, which iBOT and DINO use): the order is padded
   * with its own first samples up to a multiple of `worldSize`, so every rank gets
   * `ceil(count / worldSize)` samples and a few samples are seen twice per epoch. `true`
   * (`DistributedSampler(drop_last=True)`): the order is cut to a multiple of `worldSize`, so every
   * rank gets `floor(count / worldSize)` samples and a few are not seen that epoch.
   * @defaultValue false
   */
  readonly dropUneven?: boolean;
}

/** Samples each rank gets from an order of `count` samples (`DistributedSampler.num_samples`). */
export function shardLength(count: number, shard: DataShard): number {
  return shard.dropUneven ? Math.floor(count / shard.worldSize) : Math.ceil(count / shard.worldSize);
}

/**
 * The part of an epoch's `order` that `shard.rank` visits, as PyTorch's `DistributedSampler` splits
 * it: the order is padded (or cut, with `dropUneven`) to a multiple of `worldSize`, then rank `r`
 * takes positions `r, r + worldSize, r + 2·worldSize, …`. So batch `k` of every rank, with batch
 * size `B`, together hold positions `k·B·worldSize … (k+1)·B·worldSize - 1` of the order: the batch
 * `k` that one process with batch `B·worldSize` would see.
 *
 * @example
 * ```ts
 * shardOrder(Int32Array.from([5, 3, 0, 1, 4, 2, 6]), { rank: 1, worldSize: 3 }); // [3, 4, 5] (padded with 5)
 * ```
 */
export function shardOrder(order: Int32Array, shard: DataShard): Int32Array {
  checkShard('shardOrder(shard)', shard);
  const { rank, worldSize } = shard;
  const length = shardLength(order.length, shard);
  const part = new Int32Array(length);
  for (let i = 0; i < length; i++) part[i] = order[(rank + i * worldSize) % order.length]!;
  return part;
}

/** Checks a {@link DataShard}: integer worldSize ≥ 1 and rank in `[0, worldSize)`. */
export function checkShard(argument: string, shard: DataShard): DataShard {
  if (shard === null || typeof shard !== 'object') {
    throw invalidArgument({ argument, expected: 'a { rank, worldSize } object', actual: shard });
  }
  const worldSize = checkInteger(`${argument}.worldSize`, shard.worldSize, 1);
  checkInteger(`${argument}.rank`, shard.rank, 0, worldSize - 1);
  if (shard.dropUneven !== undefined && typeof shard.dropUneven !== 'boolean') {
    throw invalidArgument({ argument: `${argument}.dropUneven`, expected: 'a boolean', actual: shard.dropUneven });
  }
  return shard;
}
