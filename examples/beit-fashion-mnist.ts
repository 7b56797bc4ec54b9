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
import { BEIT_FASHION_MNIST_REFERENCE, createBeitPretraining, createBeitTokenizer, type BeitConfigInput } from '@selfsup/ibot';
import { createExampleKnnMonitor, normalizeAsInTraining, printKnnAccuracy, startFashionMnistExample, trainExample } from './lib/example-run.js';

const example = await startFashionMnistExample('runs/beit-fashion-mnist-subset');
const { epochs, batchSize } = example.args;
const { iterationsPerEpoch } = example;

const config: BeitConfigInput = { ...BEIT_FASHION_MNIST_REFERENCE, epochs, batchSize };
// the tokenizer: k-means on the patches of the training images (seeded; a resumed run fits the
// same codebook, and the checkpoint holds it too)
const started = performance.now();
const tokenizer = await createBeitTokenizer(config, { images: example.trainSet });
console.log(`tokenizer: ${tokenizer.name}, ${tokenizer.vocabularySize} visual tokens of ${tokenizer.patchSize}x${tokenizer.patchSize} pixels, fitted in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const run = createBeitPretraining(config, iterationsPerEpoch, { tokenizer });
console.log(
  `BEiT-style: ViT dim ${run.recipe.student.parts.backbone.embedDim}, depth ${run.config.backbone.depth}; ` +
    `${(run.config.masking.ratio ?? 0) * 100}% of the patches masked in blocks; ${run.config.epochs} epoch(s) x ${iterationsPerEpoch} steps of ${batchSize} images`,
);

const result = await trainExample(run, example);
const last = result.lastStep;
console.log(
  `training ${result.status} at step ${result.step}; last loss ${last?.loss.toFixed(4) ?? '-'}, masked-token accuracy ${last ? (100 * last.metrics.tokenAccuracy!).toFixed(1) : '-'}%; checkpoint: ${result.checkpoint ?? '(none)'}`,
);

// the student's features, of images normalised as in training
const preprocess = normalizeAsInTraining(run.config.augmentation);
await printKnnAccuracy(createExampleKnnMonitor(example, { token: 'meanPatch', preprocess }), 'student mean patch', run.backbones().student, result);
await printKnnAccuracy(createExampleKnnMonitor(example, { token: 'class', preprocess }), 'student [CLS]', run.backbones().student, result);
console.log(`metrics: ${example.metricsFile}`);
run.dispose();
