// Pretrain DINO on the bundled Fashion-MNIST subset with a small ViT (the iBOT reference run
// without masks and without the patch loss), then evaluate the [CLS] features of the teacher and
// the student with the weighted k-NN classifier (k=20, T=0.07).
//
//   node --conditions=@selfsup/source --import tsx examples/dino-fashion-mnist.ts
//   node --conditions=@selfsup/source --import tsx examples/dino-fashion-mnist.ts --steps 2 --epochs 1 --batch 16   # a smoke run
import { createDinoPretraining, DINO_FASHION_MNIST_REFERENCE } from '@selfsup/ibot';
import { createExampleKnnMonitor, normalizeAsInTraining, printKnnAccuracy, startFashionMnistExample, trainExample } from './lib/example-run.js';

const example = await startFashionMnistExample('runs/dino-fashion-mnist-subset');
const { epochs, batchSize } = example.args;
const { iterationsPerEpoch } = example;

const run = createDinoPretraining({ ...DINO_FASHION_MNIST_REFERENCE, epochs, batchSize }, iterationsPerEpoch);
console.log(
  `DINO: ViT dim ${run.recipe.student.parts.backbone.embedDim}, depth ${String(run.recipe.student.parts.backbone.timm.kwargs.depth)}, ${run.config.head.outDim} prototypes, ` +
    `${run.config.augmentation.globalCrops} global + ${run.config.augmentation.localCrops} local crops; ${run.config.epochs} epoch(s) x ${iterationsPerEpoch} steps of ${batchSize} images`,
);

const result = await trainExample(run, example);
console.log(`training ${result.status} at step ${result.step}; last loss ${result.lastStep?.loss.toFixed(4) ?? '-'}; checkpoint: ${result.checkpoint ?? '(none)'}`);

// the [CLS] features of the teacher and the student, of images normalised as in training
const knn = createExampleKnnMonitor(example, { token: 'class', preprocess: normalizeAsInTraining(run.config.augmentation) });
const { student, teacher } = run.backbones();
await printKnnAccuracy(knn, 'teacher [CLS]', teacher!, result);
await printKnnAccuracy(knn, 'student [CLS]', student, result);
console.log(`metrics: ${example.metricsFile}`);
run.dispose();
