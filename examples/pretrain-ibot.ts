// Pretrain iBOT on the bundled Fashion-MNIST subset with a small ViT, then evaluate the features
// with the weighted k-NN classifier (k=20, T=0.07, [CLS] features), for the teacher and the student.
//
//   npm run pretrain                               # defaults below, auto backend
//   npm run pretrain -- --epochs 1 --steps 2       # a smoke run
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { join, resolve } from 'node:path';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createDataLoader, loadBundledFashionMnist } from '@selfsup/data';
import { createIbotPretraining, IBOT_FASHION_MNIST_REFERENCE, type IbotConfigInput } from '@selfsup/ibot';
import { train } from '@selfsup/train';
import { extractFeatures, knnClassifier } from '@selfsup/eval';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    epochs: { type: 'string', default: '2' },
    steps: { type: 'string' },
    batch: { type: 'string', default: '64' },
    out: { type: 'string', default: 'runs/ibot-fashion-mnist-subset' },
    resume: { type: 'boolean', default: false },
  },
});
const info = await useBackend(values.backend as BackendName);
console.log(`backend: ${info.name} (${info.threads} thread(s))`);

const trainSet = await loadBundledFashionMnist('train');
const testSet = await loadBundledFashionMnist('test');
const batchSize = Number(values.batch);
const loader = createDataLoader({ dataset: trainSet, batchSize, shuffle: true, seed: 0, dropLast: true });
const iterationsPerEpoch = values.steps ? Math.min(Number(values.steps), loader.batchesPerEpoch) : loader.batchesPerEpoch;

// the reference configuration, scaled to the subset (a smaller head keeps a CPU run short)
const config: IbotConfigInput = {
  ...IBOT_FASHION_MNIST_REFERENCE,
  epochs: Number(values.epochs),
  batchSize,
};
const run = createIbotPretraining(config, iterationsPerEpoch);
const outDir = resolve(values.out);
console.log(`iBOT: ViT dim ${run.recipe.student.parts.backbone.embedDim}, depth ${run.config.backbone.depth}, ${run.config.epochs} epoch(s) x ${iterationsPerEpoch} steps of ${batchSize} images`);

const result = await train({
  recipe: run.recipe,
  optimizer: run.optimizer,
  gradients: run.gradients,
  batches: async function* (epoch, { startBatch }) {
    let i = startBatch;
    for await (const batch of loader.epoch(epoch, { startBatch })) {
      if (i++ >= iterationsPerEpoch) break;
      yield batch;
    }
  },
  epochs: run.config.epochs,
  iterationsPerEpoch,
  seed: run.config.seed,
  checkpoint: { dir: join(outDir, 'checkpoints'), everySteps: 50 },
  resume: values.resume,
  metricsFile: join(outDir, 'metrics.jsonl'),
  config: run.config,
});
console.log(`training ${result.status} at step ${result.step}; checkpoint: ${result.checkpoint ?? '(none)'}`);

// the features are computed on normalised pixels, as the network saw them in training
const { mean, std } = run.config.augmentation;
const preprocess = (images: tf.Tensor4D) => tf.div(tf.sub(images, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D;
for (const [name, network] of [
  ['teacher', run.recipe.teacher.module!.parts],
  ['student', run.recipe.student.parts],
] as const) {
  const trainFeatures = await extractFeatures(network.backbone, trainSet, { token: 'class', batchSize: 250, preprocess });
  const testFeatures = await extractFeatures(network.backbone, testSet, { token: 'class', batchSize: 250, preprocess });
  const knn = await knnClassifier({ trainFeatures, trainLabels: trainSet.labels, testFeatures, testLabels: testSet.labels, k: 20, temperature: 0.07 });
  console.log(`k-NN (k=20, T=0.07) ${name}: top-1 ${knn.top1.toFixed(1)}%, top-5 ${knn.top5.toFixed(1)}%`);
}
console.log(`metrics: ${join(outDir, 'metrics.jsonl')}`);
run.dispose();
