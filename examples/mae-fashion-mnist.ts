// Pretrain a masked autoencoder on the bundled Fashion-MNIST subset with a small ViT (75% of the
// patches removed, a light decoder, normalised-pixel targets), then evaluate the encoder's
// features with the weighted k-NN classifier (k=20, T=0.07): the mean patch token and [CLS].
//
//   node --conditions=@selfsup/source --import tsx examples/mae-fashion-mnist.ts
//   node --conditions=@selfsup/source --import tsx examples/mae-fashion-mnist.ts --steps 2 --epochs 1 --batch 16   # a smoke run
import { createMaePretraining, MAE_FASHION_MNIST_REFERENCE } from '@selfsup/ibot';
import { createExampleKnnMonitor, normalizeAsInTraining, printKnnAccuracy, startFashionMnistExample, trainExample } from './lib/example-run.js';

const example = await startFashionMnistExample('runs/mae-fashion-mnist-subset');
const { epochs, batchSize } = example.args;
const { iterationsPerEpoch } = example;

const run = createMaePretraining({ ...MAE_FASHION_MNIST_REFERENCE, epochs, batchSize }, iterationsPerEpoch);
const { backbone, decoder } = run.recipe.student.parts;
console.log(
  `MAE: ViT dim ${backbone.embedDim}, depth ${run.config.backbone.depth}; decoder dim ${decoder.config.decoderEmbedDim}, depth ${decoder.config.depth}; ` +
    `${run.config.masking.ratio * 100}% of the patches removed; ${run.config.epochs} epoch(s) x ${iterationsPerEpoch} steps of ${batchSize} images`,
);

const result = await trainExample(run, example);
console.log(`training ${result.status} at step ${result.step}; last loss ${result.lastStep?.loss.toFixed(4) ?? '-'}; checkpoint: ${result.checkpoint ?? '(none)'}`);

// the encoder sees whole images at evaluation, normalised as in training
const preprocess = normalizeAsInTraining(run.config.augmentation);
await printKnnAccuracy(createExampleKnnMonitor(example, { token: 'meanPatch', preprocess }), 'encoder mean patch', run.backbones().student, result);
await printKnnAccuracy(createExampleKnnMonitor(example, { token: 'class', preprocess }), 'encoder [CLS]', run.backbones().student, result);
console.log(`metrics: ${example.metricsFile}`);
run.dispose();
