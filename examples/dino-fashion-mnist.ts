// Pretrain DINO on the bundled Fashion-MNIST subset with a small ViT (the iBOT reference run
// without masks and without the patch loss), then evaluate the [CLS] features of the teacher and
// the student with the weighted k-NN classifier (k=20, T=0.07).
//
//   node --conditions=@selfsup/source --import tsx examples/dino-fashion-mnist.ts
//   node --conditions=@selfsup/source --import tsx examples/dino-fashion-mnist.ts --steps 2 --epochs 1 --batch 16   # a smoke run
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createDataLoader, loadBundledFashionMnist } from '@selfsup/data';
import { createDinoPretraining, DINO_FASHION_MNIST_REFERENCE } from '@selfsup/ibot';
import { train } from '@selfsup/train';
import { extractFeatures, knnClassifier } from '@selfsup/eval';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    epochs: { type: 'string', default: '2' },
    steps: { type: 'string' },
    batch: { type: 'string', default: '64' },
    out: { type: 'string', default: 'runs/dino-fashion-mnist-subset' },
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

const run = createDinoPretraining({ ...DINO_FASHION_MNIST_REFERENCE, epochs: Number(values.epochs), batchSize }, iterationsPerEpoch);
const outDir = resolve(values.out);
console.log(
  `DINO: ViT dim ${run.recipe.student.parts.backbone.embedDim}, depth ${run.config.backbone.depth}, ${run.config.head.outDim} prototypes, ` +
    `${run.config.augmentation.globalCrops} global + ${run.config.augmentation.localCrops} local crops; ${run.config.epochs} epoch(s) x ${iterationsPerEpoch} steps of ${batchSize} images`,
);

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
console.log(`training ${result.status} at step ${result.step}; last loss ${result.lastStep?.loss.toFixed(4) ?? '-'}; checkpoint: ${result.checkpoint ?? '(none)'}`);

// the features of images normalised as in training
const { mean, std } = run.config.augmentation;
const preprocess = (images: tf.Tensor4D) => tf.div(tf.sub(images, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D;
const { student, teacher } = run.backbones();
for (const [name, backbone] of [
  ['teacher', teacher!],
  ['student', student],
] as const) {
  const trainFeatures = await extractFeatures(backbone, trainSet, { token: 'class', batchSize: 250, preprocess });
  const testFeatures = await extractFeatures(backbone, testSet, { token: 'class', batchSize: 250, preprocess });
  const knn = await knnClassifier({ trainFeatures, trainLabels: trainSet.labels, testFeatures, testLabels: testSet.labels, k: 20, temperature: 0.07 });
  console.log(`k-NN (k=20, T=0.07) ${name} [CLS]: top-1 ${knn.top1.toFixed(1)}%, top-5 ${knn.top5.toFixed(1)}%`);
}
console.log(`metrics: ${join(outDir, 'metrics.jsonl')}`);
run.dispose();
