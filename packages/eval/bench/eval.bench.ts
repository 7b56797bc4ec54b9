// Evaluation speed on Fashion-MNIST-like sizes (ViT-Tiny features, dim 192), side by side in one
// run: the weighted k-NN classifier against the bare similarity matmul it is built on (the rest is
// the host-side top-k selection and vote), and k-means seconds per Lloyd iteration.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createRng, type HostTensor } from '@selfsup/core';
import { kmeans, knnClassifier } from '@selfsup/eval';

interface BenchContext {
  readonly quick: boolean;
  log(line: string): void;
}

function unitRows(count: number, dim: number, seed: number): HostTensor {
  const rng = createRng(seed);
  const data = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = rng.normal();
      data[i * dim + d] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < dim; d++) data[i * dim + d]! *= inv;
  }
  return { shape: [count, dim], data };
}

async function seconds(run: () => Promise<unknown> | unknown): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

export default async function bench(context: BenchContext): Promise<void> {
  const dim = 192;
  const trainCount = context.quick ? 2000 : 10000;
  const testCount = context.quick ? 500 : 2000;
  const train = unitRows(trainCount, dim, 1);
  const test = unitRows(testCount, dim, 2);
  const rng = createRng(3);
  const trainLabels = Int32Array.from({ length: trainCount }, () => rng.integer(0, 10));
  const testLabels = Int32Array.from({ length: testCount }, () => rng.integer(0, 10));

  context.log(`train ${trainCount} x test ${testCount} features of dim ${dim}, 10 classes`);
  context.log('| backend | similarity matmul only, s | knnClassifier k=20, s | knnClassifier k=200, s | ratio k=20 / matmul |');
  context.log('|---|---:|---:|---:|---:|');
  for (const backend of ['cpu', 'wasm'] as BackendName[]) {
    try {
      await useBackend(backend);
    } catch (error) {
      context.log(`| ${backend} | unavailable: ${(error as Error).message.split('\n')[0]} | | | |`);
      continue;
    }
    const knn = (k: number) =>
      knnClassifier({ trainFeatures: train, trainLabels, testFeatures: test, testLabels, k, temperature: 0.07 });
    await knn(20); // warm-up
    const matmul = await seconds(async () => {
      const a = tf.tensor2d(test.data, [testCount, dim]);
      const b = tf.tensor2d(train.data, [trainCount, dim]);
      const s = tf.matMul(a, b, false, true);
      await s.data();
      tf.dispose([a, b, s]);
    });
    const k20 = await seconds(() => knn(20));
    const k200 = await seconds(() => knn(200));
    context.log(`| ${backend} | ${matmul.toFixed(3)} | ${k20.toFixed(3)} | ${k200.toFixed(3)} | ${(k20 / matmul).toFixed(2)} |`);
  }

  const iterations = context.quick ? 5 : 20;
  const clustering = await seconds(() => kmeans(train, 10, createRng(0), { iterations }));
  const result = kmeans(train, 10, createRng(0), { iterations });
  context.log(
    `kmeans (host) of ${trainCount} x ${dim} into 10 clusters: ${clustering.toFixed(3)} s for ${result.iterations} iterations ` +
      `(${((clustering / result.iterations) * 1000).toFixed(1)} ms / iteration, k-means++ seeding included)`,
  );
}
