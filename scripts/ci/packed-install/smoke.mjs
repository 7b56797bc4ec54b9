// Runs in a new project where the packed @selfsup tarballs were installed with plain npm (no
// workspace, no @selfsup/source condition): the packages used together as a user would, with
// every result checked. Exits 1 (an uncaught error) on any failure.
//
//   node smoke.mjs
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, exportStateDict, loadStateDict, readSafetensors, stateDictFromSafetensors, stateDictToSafetensors } from '@selfsup/core';
import { useBackend } from '@selfsup/backend';
import { createVit } from '@selfsup/backbones';
import { createBlockMasking, tokenMaskToTensor } from '@selfsup/masking';
import { createDinoHead } from '@selfsup/heads';
import { dinoLoss, teacherTargets } from '@selfsup/losses';
import { createDataLoader, imagesToTensor, loadBundledFashionMnist } from '@selfsup/data/node';
import { createIbotPretraining, IBOT_FASHION_MNIST_REFERENCE } from '@selfsup/ibot';
import { stepRng, trainStep } from '@selfsup/train';

const check = (label, run) => {
  const result = run();
  console.log(`ok   ${label}`);
  return result;
};

const info = await useBackend(process.env.SELFSUP_SMOKE_BACKEND ?? 'auto');
console.log(`backend: ${info.name} (${info.threads} thread(s); ${info.reason})`);

// the bundled Fashion-MNIST subset, read from the installed @selfsup/data
const trainSet = await loadBundledFashionMnist('train');
check(`bundled Fashion-MNIST subset: ${trainSet.count} images ${trainSet.height}x${trainSet.width}x${trainSet.channels}`, () => {
  assert.ok(trainSet.count >= 64, `expected at least 64 training images, got ${trainSet.count}`);
  assert.deepEqual([trainSet.height, trainSet.width, trainSet.channels], [28, 28, 1]);
});
const batchSize = 8;
const loader = createDataLoader({ dataset: trainSet, batchSize, shuffle: true, seed: 0, dropLast: true });
const batch = loader.batch(0, 0);
check('a data-loader batch', () => {
  assert.equal(batch.size, batchSize);
  assert.equal(batch.images.length, batchSize * 28 * 28);
});

// 1. a ViT encode, a block mask, a DINO head and the DINO loss
const vit = createVit({ imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 32, depth: 1, headCount: 2, seed: 1 });
const images = imagesToTensor(batch);
const [gridHeight, gridWidth] = vit.gridSize;
const patches = gridHeight * gridWidth;
const mask = createBlockMasking({ maskRatio: [0.1, 0.3] }).sample(batchSize, { height: gridHeight, width: gridWidth }, createRng(0));
const tokenMask = tokenMaskToTensor(mask);
const masked = vit.encode(images, { tokenMask });
const plain = vit.encode(images);
check(`ViT encode: classToken [${masked.classToken.shape}], patchTokens [${masked.patchTokens.shape}]`, () => {
  assert.deepEqual(masked.classToken.shape, [batchSize, 32]);
  assert.deepEqual(masked.patchTokens.shape, [batchSize, patches, 32]);
  assert.ok(mask.data.some((v) => v === 1), 'the block mask masks at least one patch');
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(masked.patchTokens, plain.patchTokens))).dataSync()[0]);
  assert.ok(difference > 0, 'masking patches changes the patch tokens');
});
const head = createDinoHead({ inDim: 32, outDim: 64, hiddenDim: 48, bottleneckDim: 16, seed: 2 });
const studentLogits = head.project(tf.concat([masked.classToken, plain.classToken]));
const targets = teacherTargets(head.project(tf.concat([plain.classToken, masked.classToken])), { temperature: 0.04 });
const loss = dinoLoss({ studentGlobal: studentLogits, teacherTargets: targets, globalCropCount: 2 });
const lossValue = (await loss.data())[0];
check(`DINO head [${studentLogits.shape}] and loss ${lossValue.toFixed(4)}`, () => {
  assert.deepEqual(studentLogits.shape, [2 * batchSize, 64]);
  assert.deepEqual(loss.shape, []);
  assert.ok(Number.isFinite(lossValue) && lossValue > 0, `the DINO loss is a positive number, got ${lossValue}`);
});
tf.dispose([images, tokenMask, masked.classToken, masked.patchTokens, plain.classToken, plain.patchTokens, studentLogits, targets, loss]);
head.dispose();

// 2. one training step of the iBOT recipe on the bundled subset
const run = createIbotPretraining(
  {
    ...IBOT_FASHION_MNIST_REFERENCE,
    epochs: 1,
    batchSize,
    backbone: { ...IBOT_FASHION_MNIST_REFERENCE.backbone, embedDim: 32, depth: 1, headCount: 2 },
    head: { ...IBOT_FASHION_MNIST_REFERENCE.head, outDim: 64, hiddenDim: 48, bottleneckDim: 16 },
    optimizer: { ...IBOT_FASHION_MNIST_REFERENCE.optimizer, warmupEpochs: 0 }, // a warm-up would start at learning rate 0
  },
  loader.batchesPerEpoch,
);
const student = run.backbones().student;
const before = await exportStateDict(student);
const step = await trainStep(run.recipe, batch, {
  optimizer: run.optimizer,
  gradients: run.gradients,
  context: { iteration: 0, epoch: 0, iterationsPerEpoch: loader.batchesPerEpoch, rng: stepRng(0, 0) },
});
const after = await exportStateDict(student);
check(`iBOT training step: loss ${step.loss.toFixed(4)} (${Object.entries(step.terms).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')})`, () => {
  assert.ok(Number.isFinite(step.loss), `the training loss is finite, got ${step.loss}`);
  assert.ok(Object.keys(step.terms).length >= 1, `the step reports its loss terms, got ${JSON.stringify(step.terms)}`);
  const changed = [...after].filter(([name, t]) => t.data.some((v, i) => v !== before.get(name).data[i])).length;
  assert.ok(changed > 0, 'the step updated the student');
});

// 3. a safetensors round trip: the trained student into bytes, back into a new ViT, same features
const bytes = stateDictToSafetensors(after, { metadata: { format: 'pt' } });
const file = readSafetensors(bytes);
const copy = createVit({ imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 32, depth: 1, headCount: 2, seed: 99 });
const loaded = loadStateDict(copy, stateDictFromSafetensors(bytes), { strict: true });
const probe = imagesToTensor(loader.batch(0, 1));
const original = student.encode(probe);
const restored = copy.encode(probe);
const [originalValues, restoredValues] = await Promise.all([original.classToken.data(), restored.classToken.data()]);
check(`safetensors round trip: ${bytes.length} bytes, ${file.tensors.size} tensors`, () => {
  assert.equal(file.metadata.format, 'pt');
  assert.deepEqual(loaded.missingKeys, []);
  assert.deepEqual(loaded.unexpectedKeys, []);
  const reread = stateDictFromSafetensors(bytes);
  for (const [name, tensor] of after) assert.deepEqual(Array.from(reread.get(name).data), Array.from(tensor.data), `tensor ${name}`);
  assert.deepEqual(Array.from(restoredValues), Array.from(originalValues), 'the reloaded ViT gives the same [CLS] features');
});
tf.dispose([probe, original.classToken, original.patchTokens, restored.classToken, restored.patchTokens]);
copy.dispose();
vit.dispose();
run.dispose();
console.log('smoke: all checks passed');
