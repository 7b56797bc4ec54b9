import { describe, expect, it } from 'vitest';
import { shardLength, shardOrder } from './shard-order.js';

// PyTorch's DistributedSampler on an order o of 10 samples and 3 ranks:
//   drop_last=False: total_size 12, o + o[:2], rank r takes o[r::3]
//   drop_last=True:  num_samples ceil((10 - 3) / 3) = 3, total_size 9, rank r takes o[:9][r::3]
const order = Int32Array.from([7, 2, 9, 0, 5, 1, 8, 3, 6, 4]);

describe('shardOrder (DistributedSampler split)', () => {
  it('pads with the first samples by default: every rank gets ceil(10 / 3) = 4', () => {
    expect([...shardOrder(order, { rank: 0, worldSize: 3 })]).toEqual([7, 0, 8, 4]);
    expect([...shardOrder(order, { rank: 1, worldSize: 3 })]).toEqual([2, 5, 3, 7]);
    expect([...shardOrder(order, { rank: 2, worldSize: 3 })]).toEqual([9, 1, 6, 2]);
    expect(shardLength(10, { rank: 0, worldSize: 3 })).toBe(4);
  });

  it('cuts to a multiple of worldSize with dropUneven: every rank gets floor(10 / 3) = 3', () => {
    const parts = [0, 1, 2].map((rank) => [...shardOrder(order, { rank, worldSize: 3, dropUneven: true })]);
    expect(parts).toEqual([
      [7, 0, 8],
      [2, 5, 3],
      [9, 1, 6],
    ]);
  });

  it('pads by repeating the order when there are fewer samples than ranks', () => {
    const small = Int32Array.from([4, 1]);
    expect([0, 1, 2, 3, 4].map((rank) => [...shardOrder(small, { rank, worldSize: 5 })])).toEqual([[4], [1], [4], [1], [4]]);
  });

  it('is the whole order for one rank', () => {
    expect([...shardOrder(order, { rank: 0, worldSize: 1 })]).toEqual([...order]);
  });

  it('refuses a rank outside [0, worldSize) and a world size below 1', () => {
    expect(() => shardOrder(order, { rank: 3, worldSize: 3 })).toThrow(/shardOrder\(shard\)\.rank.*\[0, 2\]/);
    expect(() => shardOrder(order, { rank: 0, worldSize: 0 })).toThrow(/worldSize/);
  });
});
