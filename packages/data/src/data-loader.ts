import { SslError, checkInteger, invalidArgument } from '@selfsup/core';
import { epochOrder } from './epoch-order.js';
import { runAsMacrotask } from './run-as-macrotask.js';
import type { ImageDataset } from './image-dataset.js';
import { checkShard, shardLength, shardOrder, type DataShard } from './shard-order.js';

/** One batch: host arrays, ready to become tensors with {@link imagesToTensor}. */
export interface Batch {
  /** The epoch it belongs to. */
  readonly epoch: number;
  /** Its position in the epoch (0-based). */
  readonly index: number;
  /** The dataset indices of its images, in order. */
  readonly indices: Int32Array;
  /** `[size, height, width, channels]` pixels, 0-255. */
  readonly images: Uint8Array;
  /** `[size]` class indices. */
  readonly labels: Int32Array;
  /** How many images. */
  readonly size: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Options of {@link createDataLoader}. */
export interface DataLoaderOptions {
  /** The images to batch. */
  dataset: ImageDataset;
  /** Images per batch. */
  batchSize: number;
  /**
   * Visit the images in a new seeded order every epoch.
   * @defaultValue true
   */
  shuffle?: boolean;
  /**
   * The seed of the per-epoch orders (an integer in `[0, 2^53)`).
   * @defaultValue 0
   */
  seed?: number;
  /**
   * Leave out the last, smaller batch of an epoch (iBOT's `drop_last=True`).
   * @defaultValue true
   */
  dropLast?: boolean;
  /**
   * Batches prepared ahead of the one being consumed by {@link DataLoader.epoch}; 0 prepares each
   * batch only when it is asked for.
   * @defaultValue 2
   */
  prefetch?: number;
  /**
   * Read only this rank's part of every epoch, for data-parallel training: the same seeded order
   * on every rank, split by rank as PyTorch's `DistributedSampler` does (padded to a multiple of
   * `worldSize` by default; see {@link DataShard}). `batchSize` is then the per-rank batch, and
   * batch `k` of all ranks together is batch `k` of one process with `batchSize · worldSize`.
   * @defaultValue the whole dataset (one process)
   */
  shard?: DataShard;
}

/** Options of {@link DataLoader.epoch}. */
export interface EpochOptions {
  /**
   * The first batch to give, to resume in the middle of an epoch.
   * @defaultValue 0
   */
  startBatch?: number;
}

/** Batches of a dataset, epoch after epoch, in a seeded order. */
export interface DataLoader {
  /** The dataset. */
  readonly dataset: ImageDataset;
  /** Images per batch. */
  readonly batchSize: number;
  /** Batches in one epoch. */
  readonly batchesPerEpoch: number;
  /** The order in which `epoch` visits the dataset (a copy; with a shard, this rank's part). */
  order(epoch: number): Int32Array;
  /** Batch `index` of `epoch`, assembled now. */
  batch(epoch: number, index: number): Batch;
  /**
   * The batches of `epoch`, in order, each prepared ahead of time: while the caller trains on
   * batch `i`, batches `i+1 .. i+prefetch` are assembled whenever the event loop is free.
   */
  epoch(epoch: number, options?: EpochOptions): AsyncIterableIterator<Batch>;
}

/**
 * Creates a data loader: the dataset in batches of `batchSize`, shuffled every epoch from
 * `(seed, epoch)` alone, so the same seed gives the same batches and a resumed run continues
 * exactly where it stopped. Batches are host arrays (the work is on the host); turn images into
 * a tensor with {@link imagesToTensor} right before the training step.
 *
 * @example
 * ```ts
 * const loader = createDataLoader({ dataset: await loadBundledFashionMnist('train'), batchSize: 64, seed: 0 });
 * for (let epoch = 0; epoch < epochs; epoch++) {
 *   for await (const batch of loader.epoch(epoch)) {
 *     const images = imagesToTensor(batch); // [64, 28, 28, 1] in [0, 1]
 *     // ... train ...
 *     images.dispose();
 *   }
 * }
 * ```
 */
export function createDataLoader(options: DataLoaderOptions): DataLoader {
  if (options === null || typeof options !== 'object') {
    throw invalidArgument({ argument: 'createDataLoader(options)', expected: 'an options object', actual: options });
  }
  const { dataset } = options;
  if (dataset === null || typeof dataset !== 'object' || !(dataset.images instanceof Uint8Array)) {
    throw invalidArgument({ argument: 'createDataLoader(options.dataset)', expected: 'an ImageDataset', actual: dataset });
  }
  const batchSize = checkInteger('createDataLoader(options.batchSize)', options.batchSize, 1);
  const shuffle = options.shuffle ?? true;
  const seed = checkInteger('createDataLoader(options.seed)', options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const dropLast = options.dropLast ?? true;
  const prefetch = checkInteger('createDataLoader(options.prefetch)', options.prefetch ?? 2, 0);
  const shard = options.shard === undefined ? undefined : checkShard('createDataLoader(options.shard)', options.shard);
  const { height, width, channels } = dataset;
  const count = shard === undefined ? dataset.count : shardLength(dataset.count, shard);
  const imageSize = height * width * channels;
  const batchesPerEpoch = dropLast ? Math.floor(count / batchSize) : Math.ceil(count / batchSize);
  if (batchesPerEpoch === 0) {
    throw invalidArgument({
      argument: 'createDataLoader(options.batchSize)',
      expected: `at most the ${shard === undefined ? 'dataset size' : "rank's share of the dataset"} (${count}) when dropLast is true`,
      actual: batchSize,
      fix: 'Use a smaller batch, more data, or dropLast: false.',
    });
  }

  let cachedEpoch = -1;
  let cachedOrder: Int32Array = new Int32Array(0);
  function orderOf(epoch: number): Int32Array {
    checkInteger('dataLoader.order(epoch)', epoch, 0);
    if (epoch !== cachedEpoch) {
      const order = shuffle ? epochOrder(dataset.count, seed, epoch) : Int32Array.from({ length: dataset.count }, (_, i) => i);
      cachedOrder = shard === undefined ? order : shardOrder(order, shard);
      cachedEpoch = epoch;
    }
    return cachedOrder;
  }

  function assemble(order: Int32Array, epoch: number, index: number): Batch {
    const start = index * batchSize;
    const size = Math.min(batchSize, count - start);
    const indices = order.slice(start, start + size);
    const images = new Uint8Array(size * imageSize);
    const labels = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      const sample = indices[i]!;
      images.set(dataset.images.subarray(sample * imageSize, (sample + 1) * imageSize), i * imageSize);
      labels[i] = dataset.labels[sample]!;
    }
    return { epoch, index, indices, images, labels, size, height, width, channels };
  }

  function checkIndex(method: string, index: number): void {
    checkInteger(`dataLoader.${method}`, index, 0);
    if (index >= batchesPerEpoch) {
      throw invalidArgument({
        argument: `dataLoader.${method}`,
        expected: `a batch index below ${batchesPerEpoch} (batches per epoch)`,
        actual: index,
      });
    }
  }

  return {
    dataset,
    batchSize,
    batchesPerEpoch,
    order: (epoch) => orderOf(epoch).slice(),
    batch(epoch, index) {
      checkIndex('batch(index)', index);
      return assemble(orderOf(epoch), epoch, index);
    },
    epoch(epoch, epochOptions = {}) {
      const order = orderOf(epoch).slice();
      const startBatch = epochOptions.startBatch ?? 0;
      if (startBatch !== batchesPerEpoch) checkIndex('epoch(options.startBatch)', startBatch);
      return iterate(order, epoch, startBatch);
    },
  };

  async function* iterate(order: Int32Array, epoch: number, startBatch: number): AsyncGenerator<Batch> {
    if (prefetch === 0) {
      for (let index = startBatch; index < batchesPerEpoch; index++) yield assemble(order, epoch, index);
      return;
    }
    const queue: Promise<Batch>[] = [];
    let next = startBatch;
    let stopped = false;
    const refill = () => {
      while (queue.length < prefetch && next < batchesPerEpoch) {
        const index = next++;
        const pending = new Promise<Batch>((resolve, reject) => {
          // a macrotask: runs when the training step yields the event loop, not inside it
          runAsMacrotask(() => {
            if (stopped) {
              reject(new SslError('INVALID_ARGUMENT', 'the epoch iterator was closed'));
              return;
            }
            try {
              resolve(assemble(order, epoch, index));
            } catch (error) {
              reject(error);
            }
          });
        });
        pending.catch(() => undefined); // a batch never consumed (the loop stopped early) is not an unhandled rejection
        queue.push(pending);
      }
    };
    try {
      refill();
      while (queue.length > 0) {
        const batch = await queue.shift()!;
        refill();
        yield batch;
      }
    } finally {
      stopped = true; // batches scheduled but not yet assembled are skipped
    }
  }
}
