// Pretrain iBOT on the bundled Fashion-MNIST subset with a small ViT, then evaluate the features
// with the weighted k-NN classifier (k=20, T=0.07, [CLS] features), for the teacher and the student.
//
//   npm run example -- examples/pretrain-ibot.ts                           # defaults below, auto backend
//   npm run example -- examples/pretrain-ibot.ts --epochs 1 --steps 2      # a smoke run
import { createIbotPretraining, IBOT_FASHION_MNIST_REFERENCE, type IbotConfigInput } from '@selfsup/ibot';
import { createExampleKnnMonitor, normalizeAsInTraining, printKnnAccuracy, startFashionMnistExample, trainExample } from './lib/example-run.js';

const example = await startFashionMnistExample('runs/ibot-fashion-mnist-subset');
const { epochs, batchSize } = example.args;
const { iterationsPerEpoch } = example;

// the full-data reference configuration (ViT dim 128, head 1024/512/128) with the flags' epochs and batch size
const config: IbotConfigInput = {
  ...IBOT_FASHION_MNIST_REFERENCE,
  epochs,
  batchSize,
};
const run = createIbotPretraining(config, iterationsPerEpoch);
console.log(`iBOT: ViT dim ${run.recipe.student.parts.backbone.embedDim}, depth ${String(run.recipe.student.parts.backbone.timm.kwargs.depth)}, ${run.config.epochs} epoch(s) x ${iterationsPerEpoch} steps of ${batchSize} images`);

const result = await trainExample(run, example);
console.log(`training ${result.status} at step ${result.step}; checkpoint: ${result.checkpoint ?? '(none)'}`);

// the [CLS] features are computed on normalised pixels, as the network saw them in training
const knn = createExampleKnnMonitor(example, { token: 'class', preprocess: normalizeAsInTraining(run.config.augmentation) });
await printKnnAccuracy(knn, 'teacher', run.recipe.teacher.module!.parts.backbone, result);
await printKnnAccuracy(knn, 'student', run.recipe.student.parts.backbone, result);
console.log(`metrics: ${example.metricsFile}`);
run.dispose();
