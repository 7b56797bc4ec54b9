// A researcher's own method, in one file: DINO's [CLS] self-distillation plus MAE's pixel
// reconstruction on the same student. The DINO recipe is taken as it is (networks, multi-crop
// views, EMA teacher, centre, schedules) and extended by swapping parts: its views gain an MAE
// mask for the first global crop, its forward pass an MAE branch (the student encodes the kept
// patches only, a light decoder predicts every patch), and its objectives a second term. The one
// generic training step of @selfsup/train runs it unchanged; `train()` logs both terms.
// docs/concepts/adding-a-method.md turns it into a method that `selfsup pretrain` runs from a config file.
//
//   node --conditions=@selfsup/source --import tsx examples/custom-objective.ts --steps 2 --epochs 1 --batch 16
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { combineModules, type Objective, type Parameter, type Recipe } from '@selfsup/core';
import type { BackendName } from '@selfsup/backend';
import { createDataLoader, loadBundledFashionMnist } from '@selfsup/data/node';
import { createMaeDecoder } from '@selfsup/heads';
import { maeLoss } from '@selfsup/losses';
import { createRandomMasking, keepIndicesToTensor, restoreIndicesToTensor, tokenMaskToTensor } from '@selfsup/masking';
import { createScheduledAdamW } from '@selfsup/optim';
import {
  createDinoPretraining,
  DINO_FASHION_MNIST_REFERENCE,
  type DinoOutputs,
  type DinoTargets,
  type DinoViews,
  type ImageBatch,
} from '@selfsup/ibot';
import { train } from '@selfsup/train/node';
import { firstBatches, startBackend } from './lib/example-run.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    epochs: { type: 'string', default: '1' },
    steps: { type: 'string', default: '2' },
    batch: { type: 'string', default: '16' },
    maskRatio: { type: 'string', default: '0.75' },
    maeWeight: { type: 'string', default: '1' },
  },
});
await startBackend(values.backend as BackendName);

const trainSet = await loadBundledFashionMnist('train');
const batchSize = Number(values.batch);
const loader = createDataLoader({ dataset: trainSet, batchSize, shuffle: true, seed: 0, dropLast: true });
const iterationsPerEpoch = Math.min(Number(values.steps), loader.batchesPerEpoch);
const maeWeight = Number(values.maeWeight);

// 1. DINO as configured (its optimizer is replaced below: the decoder is trained too)
const dino = createDinoPretraining({ ...DINO_FASHION_MNIST_REFERENCE, epochs: Number(values.epochs), batchSize }, iterationsPerEpoch);
dino.optimizer.dispose();
const { backbone } = dino.recipe.student.parts;
const grid = dino.config.augmentation.globalSize / backbone.patchSize;

// 2. the new parts: MAE's random masking and a light decoder (saved as `decoder.*`)
const masking = createRandomMasking({ maskRatio: Number(values.maskRatio) });
const decoder = createMaeDecoder({
  embedDim: backbone.embedDim,
  decoderEmbedDim: 64,
  depth: 1,
  headCount: 4,
  imageSize: dino.config.augmentation.globalSize,
  patchSize: backbone.patchSize,
  inChannels: backbone.inChannels,
  seed: 7,
});
const decoderModule = combineModules({ decoder });

interface Views extends DinoViews {
  /** `[batch, kept]`, `[batch, patches]`, `[batch, patches]`: MAE's mask of each image's first global crop. */
  readonly keepIndices: tf.Tensor2D;
  readonly restoreIndices: tf.Tensor2D;
  readonly mask: tf.Tensor2D;
}
interface Outputs extends DinoOutputs {
  /** `[batch, patches, patchSize^2 * channels]`: the decoder's pixels of the first global crop. */
  readonly prediction: tf.Tensor3D;
}

/** The first global crop of every image: rows `0 .. batch - 1` of the crops stacked crop after crop. */
const firstCrop = (views: Views): tf.Tensor4D => tf.slice(views.global, 0, views.mask.shape[0]);

// 3. the new objective: MAE's loss on the removed patches of the first global crop
const mae: Objective<Views, Outputs, DinoTargets> = {
  name: 'mae',
  compute: (outputs, _targets, views) => ({
    loss: tf.mul(maeLoss({ images: firstCrop(views), prediction: outputs.prediction, mask: views.mask, patchSize: backbone.patchSize, normalizePixels: true }), maeWeight),
  }),
};

// 4. the recipe: DINO's, with the views, forward pass, objectives and state extended
const recipe: Recipe<ImageBatch, Views, Outputs, DinoTargets> = {
  ...dino.recipe,
  name: 'dino-mae',
  trainableParameters: (): Parameter[] => [...dino.recipe.trainableParameters(), ...decoderModule.parameters().filter((p) => p.trainable)],
  modules: () => ({ ...dino.recipe.modules(), decoder: decoderModule }),
  makeViews: (batch, context) => {
    const views = dino.recipe.makeViews(batch, context);
    const sample = masking.sampleWithIndices(batch.size, grid, context.rng.fork());
    return { ...views, keepIndices: keepIndicesToTensor(sample), restoreIndices: restoreIndicesToTensor(sample), mask: tokenMaskToTensor(sample.mask) };
  },
  forward: (views, context) => {
    const outputs = dino.recipe.forward(views, context);
    const { classToken, patchTokens } = backbone.encode(firstCrop(views), { keepIndices: views.keepIndices, training: true, rng: context.rng });
    const latent = tf.concat([tf.expandDims(classToken, 1), patchTokens], 1) as tf.Tensor3D; // [B, 1 + kept, D]
    return { ...outputs, prediction: decoder.decode(latent, views.restoreIndices) };
  },
  objectives: [...dino.recipe.objectives, mae],
  dispose: () => {
    dino.recipe.dispose();
    decoderModule.dispose();
  },
};

// 5. an optimizer over the student and the decoder, with DINO's schedules; DINO's clipping and freezing
const optimizer = createScheduledAdamW(recipe.trainableParameters(), dino.config.optimizer, {
  batchSize,
  epochs: dino.config.epochs,
  iterationsPerEpoch,
});
console.log(`${recipe.name}: objectives ${recipe.objectives.map((o) => o.name).join(' + ')}; ${recipe.trainableParameters().length} trainable tensors`);

const result = await train({
  recipe,
  optimizer,
  gradients: dino.gradients,
  batches: firstBatches(loader, iterationsPerEpoch),
  epochs: dino.config.epochs,
  iterationsPerEpoch,
  seed: dino.config.seed,
  progress: 'none',
  onStep: (record) => {
    const terms = Object.entries(record.terms).map(([name, value]) => `${name} ${value.toFixed(4)}`);
    console.log(`step ${record.iteration}: loss ${record.loss.toFixed(4)} (${terms.join(', ')}), grad norm ${record.gradNorm.toFixed(3)}, ${record.numTensors} tensors`);
  },
});
console.log(`training ${result.status} at step ${result.step}`);
recipe.dispose();
optimizer.dispose();
