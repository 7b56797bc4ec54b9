import { describe, expect, it, vi } from 'vitest';
import { createDataLoader, type Batch } from './data-loader.js';
import { createImageDataset, type ImageDataset } from './image-dataset.js';

/** 10 images of 1 x 2 pixels: image i holds [i, 100 + i], label i % 3. */
function dataset(count = 10, images?: Uint8Array): ImageDataset {
  const pixels = images ?? new Uint8Array(count * 2);
  for (let i = 0; i < count; i++) {
    pixels[2 * i] = i;
    pixels[2 * i + 1] = 100 + i;
  }
  return createImageDataset({ images: pixels, labels: Array.from({ length: count }, (_, i) => i % 3), height: 1, width: 2 });
}

async function collect(iterator: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const batch of iterator) out.push(batch);
  return out;
}

describe('createDataLoader', () => {
  it('gives the same batches for the same seed, and a new order each epoch', async () => {
    const a = createDataLoader({ dataset: dataset(), batchSize: 3, seed: 5 });
    const b = createDataLoader({ dataset: dataset(), batchSize: 3, seed: 5 });
    const c = createDataLoader({ dataset: dataset(), batchSize: 3, seed: 6 });
    const epochA = await collect(a.epoch(0));
    const epochB = await collect(b.epoch(0));
    expect(epochA.map((x) => [...x.indices])).toEqual(epochB.map((x) => [...x.indices]));
    expect(epochA.map((x) => [...x.images])).toEqual(epochB.map((x) => [...x.images]));
    expect((await collect(c.epoch(0))).map((x) => [...x.indices])).not.toEqual(epochA.map((x) => [...x.indices]));
    expect((await collect(a.epoch(1))).map((x) => [...x.indices])).not.toEqual(epochA.map((x) => [...x.indices]));
  });

  it('drops the last partial batch by default and visits each image at most once', async () => {
    const loader = createDataLoader({ dataset: dataset(), batchSize: 3, seed: 1 });
    expect(loader.batchesPerEpoch).toBe(3); // floor(10 / 3)
    const batches = await collect(loader.epoch(2));
    const seen = batches.flatMap((x) => [...x.indices]);
    expect(seen).toHaveLength(9);
    expect(new Set(seen).size).toBe(9);
    // each batch carries its images and labels: image i is [i, 100 + i], label i % 3
    for (const batch of batches) {
      expect(batch.size).toBe(3);
      batch.indices.forEach((sample, k) => {
        expect([batch.images[2 * k], batch.images[2 * k + 1]]).toEqual([sample, 100 + sample]);
        expect(batch.labels[k]).toBe(sample % 3);
      });
    }
  });

  it('keeps the last batch with dropLast false, and the dataset order without shuffle', async () => {
    const loader = createDataLoader({ dataset: dataset(), batchSize: 4, shuffle: false, dropLast: false });
    const batches = await collect(loader.epoch(0));
    expect(batches.map((x) => [...x.indices])).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it('resumes mid-epoch with the same batches, and matches random access', async () => {
    const loader = createDataLoader({ dataset: dataset(), batchSize: 2, seed: 9 });
    const full = await collect(loader.epoch(4));
    const resumed = await collect(loader.epoch(4, { startBatch: 2 }));
    expect(resumed.map((x) => [...x.indices])).toEqual(full.slice(2).map((x) => [...x.indices]));
    expect([...loader.batch(4, 3).indices]).toEqual([...full[3]!.indices]);
    expect([...loader.order(4).subarray(0, 2)]).toEqual([...full[0]!.indices]);
  });

  it('gives the same batches with and without prefetch', async () => {
    const withPrefetch = createDataLoader({ dataset: dataset(), batchSize: 3, seed: 2, prefetch: 3 });
    const without = createDataLoader({ dataset: dataset(), batchSize: 3, seed: 2, prefetch: 0 });
    expect((await collect(withPrefetch.epoch(1))).map((x) => [...x.images])).toEqual(
      (await collect(without.epoch(1))).map((x) => [...x.images]),
    );
  });

  it('prefetches where there is no setImmediate (a browser) with the same batches', async () => {
    const expected = (await collect(createDataLoader({ dataset: dataset(), batchSize: 3, seed: 2, prefetch: 0 }).epoch(1))).map((x) => [...x.images]);
    vi.stubGlobal('setImmediate', undefined);
    try {
      expect(typeof (globalThis as { setImmediate?: unknown }).setImmediate).toBe('undefined');
      const batches = await collect(createDataLoader({ dataset: dataset(), batchSize: 3, seed: 2, prefetch: 2 }).epoch(1));
      expect(batches.map((x) => [...x.images])).toEqual(expected);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('prepares the next batches while the caller works, not when it asks', async () => {
    // count the images copied: assembling a batch of 2 reads dataset.images twice
    let reads = 0;
    class CountingBytes extends Uint8Array {
      override subarray(begin?: number, end?: number) {
        reads++;
        return super.subarray(begin, end);
      }
    }
    const pixels = new CountingBytes(20);
    const iterator = createDataLoader({ dataset: dataset(10, pixels), batchSize: 2, seed: 0, prefetch: 2 }).epoch(0);
    reads = 0;
    await iterator.next(); // batch 0
    await new Promise((resolve) => setImmediate(resolve)); // the caller's step yields the event loop once
    expect(reads).toBe(6); // batches 0, 1 and 2 assembled: 1 and 2 ahead of time
    await iterator.next(); // batch 1 was ready
    await iterator.return?.(undefined);

    const lazy = createDataLoader({ dataset: dataset(10, pixels), batchSize: 2, seed: 0, prefetch: 0 }).epoch(0);
    reads = 0;
    await lazy.next();
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads).toBe(2);
  });

  it('splits each epoch by rank as DistributedSampler: the ranks\' batch k together are batch k of one process with worldSize times the batch', async () => {
    const whole = createDataLoader({ dataset: dataset(12), batchSize: 6, seed: 3 });
    const ranks = [0, 1].map((rank) => createDataLoader({ dataset: dataset(12), batchSize: 3, seed: 3, shard: { rank, worldSize: 2 } }));
    expect(ranks.map((loader) => loader.batchesPerEpoch)).toEqual([2, 2]);
    for (const epoch of [0, 1]) {
      const global = await collect(whole.epoch(epoch));
      const perRank = await Promise.all(ranks.map((loader) => collect(loader.epoch(epoch))));
      global.forEach((batch, k) => {
        // rank r holds positions r, r + 2, r + 4 of the global batch
        expect([...perRank[0]![k]!.indices]).toEqual([0, 2, 4].map((p) => batch.indices[p]));
        expect([...perRank[1]![k]!.indices]).toEqual([1, 3, 5].map((p) => batch.indices[p]));
        expect([...perRank[1]![k]!.images]).toEqual([1, 3, 5].flatMap((p) => [batch.indices[p]!, 100 + batch.indices[p]!]));
      });
    }
  });

  it('pads an uneven shard from the start of the order, and drops it with dropUneven', () => {
    const order = createDataLoader({ dataset: dataset(5), batchSize: 1, seed: 2 }).order(0);
    const padded = createDataLoader({ dataset: dataset(5), batchSize: 1, seed: 2, shard: { rank: 1, worldSize: 2 } });
    expect(padded.batchesPerEpoch).toBe(3);
    expect([...padded.order(0)]).toEqual([order[1], order[3], order[0]]);
    const dropped = createDataLoader({ dataset: dataset(5), batchSize: 1, seed: 2, shard: { rank: 1, worldSize: 2, dropUneven: true } });
    expect([...dropped.order(0)]).toEqual([order[1], order[3]]);
    expect(() => createDataLoader({ dataset: dataset(5), batchSize: 4, shard: { rank: 0, worldSize: 2 } })).toThrow(/rank's share of the dataset \(3\)/);
    expect(() => createDataLoader({ dataset: dataset(5), batchSize: 1, shard: { rank: 2, worldSize: 2 } })).toThrow(/options\.shard\)\.rank/);
  });

  it('checks its options', () => {
    expect(() => createDataLoader({ dataset: dataset(), batchSize: 11 })).toThrow(/dropLast/);
    expect(() => createDataLoader({ dataset: dataset(), batchSize: 0 })).toThrow(/batchSize/);
    const loader = createDataLoader({ dataset: dataset(), batchSize: 5 });
    expect(() => loader.batch(0, 2)).toThrow(/below 2/);
    expect(() => loader.epoch(0, { startBatch: 3 })).toThrow(/startBatch/);
  });
});
