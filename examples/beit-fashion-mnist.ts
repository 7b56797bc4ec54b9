// BEiT-style pretraining on the bundled Fashion-MNIST subset with a small ViT: a k-means codebook
// of 4x4 pixel patches, fitted on the training images, is the tokenizer; the student predicts the
// codebook id of every block-masked patch. Then the features are evaluated with the weighted k-NN
// classifier (k=20, T=0.07): the mean patch token and [CLS].
//
//   node --conditions=@selfsup/source --import tsx examples/beit-fashion-mnist.ts
//   node --conditions=@selfsup/source --import tsx examples/beit-fashion-mnist.ts --steps 2 --epochs 1 --batch 16   # a smoke run
//
// To use DALL-E's dVAE as BEiT does, set `tokenizer: { kind: 'dvae' }` and pass its weights:
// `createBeitTokenizer(config, { stateDict: stateDictFromSafetensors(readFileSync('dalle-encoder.safetensors')) })`
// (see docs/concepts/recipe-variants.md for the conversion of encoder.pkl).
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { createDataLoader, loadBundledFashionMnist } from '@selfsup/data';
import { BEIT_FASHION_MNIST_REFERENCE, createBeitPretraining, createBeitTokenizer, type BeitConfigInput } from '@selfsup/ibot';
import { train } from '@selfsup/train';
import { extractFeatures, knnClassifier } from '@selfsup/eval';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    epochs: { type: 'string', default: '2' },
    steps: { type: 'string' },
    batch: { type: 'string', default: '64' },
    out: { type: 'string', default: 'runs/beit-fashion-mnist-subset' },
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

const config: BeitConfigInput = { ...BEIT_FASHION_MNIST_REFERENCE, epochs: Number(values.epochs), batchSize };
// the tokenizer: k-means on the patches of the training images (seeded; a resumed run fits the
// same codebook, and the checkpoint holds it too)
const started = performance.now();
const tokenizer = await createBeitTokenizer(config, { images: trainSet });
console.log(`tokenizer: ${tokenizer.name}, ${tokenizer.vocabularySize} visual tokens of ${tokenizer.patchSize}x${tokenizer.patchSize} pixels, fitted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const run = createBeitPretraining(config, iterationsPerEpoch, { tokenizer });
const outDir = resolve(values.out);
console.log(
  `BEiT-style: ViT dim ${run.recipe.student.parts.backbone.embedDim}, depth ${run.config.backbone.depth}; ` +
    `${(run.config.masking.ratio ?? 0) * 100}% of the patches masked in blocks; ${run.config.epochs} epoch(s) x ${iterationsPerEpoch} steps of ${batchSize} images`,
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
const last = result.lastStep;
console.log(
  `training ${result.status} at step ${result.step}; last loss ${last?.loss.toFixed(4) ?? '-'}, masked-token accuracy ${last ? (100 * last.metrics.tokenAccuracy!).toFixed(1) : '-'}%; checkpoint: ${result.checkpoint ?? '(none)'}`,
);

const { mean, std } = run.config.augmentation;
const preprocess = (images: tf.Tensor4D) => tf.div(tf.sub(images, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D;
for (const token of ['meanPatch', 'class'] as const) {
  const trainFeatures = await extractFeatures(run.backbones().student, trainSet, { token, batchSize: 250, preprocess });
  const testFeatures = await extractFeatures(run.backbones().student, testSet, { token, batchSize: 250, preprocess });
  const knn = await knnClassifier({ trainFeatures, trainLabels: trainSet.labels, testFeatures, testLabels: testSet.labels, k: 20, temperature: 0.07 });
  console.log(`k-NN (k=20, T=0.07) student ${token === 'class' ? '[CLS]' : 'mean patch'}: top-1 ${knn.top1.toFixed(1)}%, top-5 ${knn.top5.toFixed(1)}%`);
}
console.log(`metrics: ${join(outDir, 'metrics.jsonl')}`);
run.dispose();
