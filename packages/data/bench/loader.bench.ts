// Throughput of the data loader on Fashion-MNIST: batches per second of seeded shuffling and
// batching, with prefetch (the async iterator), without it, by random access, and with the
// conversion to a float tensor that a training step needs. Uses Debian's full Fashion-MNIST when
// installed (`apt-get install dataset-fashion-mnist`), else the bundled 1,000-image subset.
import { useBackend } from '@selfsup/backend';
import {
  DEBIAN_FASHION_MNIST_FOLDER,
  createDataLoader,
  imagesToTensor,
  loadBundledFashionMnist,
  loadIdxDataset,
  type DataLoader,
  type ImageDataset,
} from '../src/node.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

interface BenchContext {
  readonly quick: boolean;
  log(line: string): void;
}

async function timeEpochs(run: () => Promise<number>, repeats: number): Promise<{ batchesPerSecond: number; milliseconds: number }> {
  let batches = 0;
  const start = performance.now();
  for (let r = 0; r < repeats; r++) batches += await run();
  const milliseconds = performance.now() - start;
  return { batchesPerSecond: (batches / milliseconds) * 1000, milliseconds };
}

async function iterate(loader: DataLoader, epoch: number, perBatch?: (images: Uint8Array) => void): Promise<number> {
  let batches = 0;
  for await (const batch of loader.epoch(epoch)) {
    perBatch?.(batch.images);
    batches++;
  }
  return batches;
}

export default async function loaderBench(context: BenchContext): Promise<void> {
  await useBackend('cpu');
  const full = existsSync(join(DEBIAN_FASHION_MNIST_FOLDER, 'train-images-idx3-ubyte.gz'));
  const loadStart = performance.now();
  const dataset: ImageDataset = full
    ? await loadIdxDataset({ folder: DEBIAN_FASHION_MNIST_FOLDER, split: 'train' })
    : await loadBundledFashionMnist('train');
  const loadMilliseconds = performance.now() - loadStart;
  context.log(
    `dataset: ${full ? 'Debian Fashion-MNIST train (full)' : 'bundled Fashion-MNIST subset'}, ${dataset.count} images ` +
      `${dataset.height}x${dataset.width}x${dataset.channels}, loaded and verified in ${loadMilliseconds.toFixed(0)} ms`,
  );
  const repeats = context.quick ? 1 : 3;
  context.log('| batch | mode | batches/s | images/s | ms per batch |');
  context.log('| ---: | --- | ---: | ---: | ---: |');
  for (const batchSize of [64, 256]) {
    const prefetched = createDataLoader({ dataset, batchSize, seed: 0, prefetch: 2 });
    const direct = createDataLoader({ dataset, batchSize, seed: 0, prefetch: 0 });
    let epoch = 0;
    const rows: [string, { batchesPerSecond: number }][] = [
      ['async, prefetch 2', await timeEpochs(() => iterate(prefetched, epoch++), repeats)],
      ['async, no prefetch', await timeEpochs(() => iterate(direct, epoch++), repeats)],
      [
        'random access batch()',
        await timeEpochs(async () => {
          const e = epoch++;
          for (let i = 0; i < direct.batchesPerEpoch; i++) direct.batch(e, i);
          return direct.batchesPerEpoch;
        }, repeats),
      ],
      [
        'prefetch 2 + imagesToTensor',
        await timeEpochs(
          () =>
            iterate(prefetched, epoch++, (images) => {
              imagesToTensor({ images, height: dataset.height, width: dataset.width, channels: dataset.channels }).dispose();
            }),
          repeats,
        ),
      ],
    ];
    for (const [mode, result] of rows) {
      const perBatch = 1000 / result.batchesPerSecond;
      context.log(
        `| ${batchSize} | ${mode} | ${result.batchesPerSecond.toFixed(0)} | ${(result.batchesPerSecond * batchSize).toFixed(0)} | ${perBatch.toFixed(3)} |`,
      );
    }
  }
}
