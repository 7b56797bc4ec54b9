// A TypeScript user of the packed packages, type-checked (not run) under moduleResolution node16
// and bundler. It imports every package's entry points and uses their types; the
// `@ts-expect-error` lines prove that the declarations resolved (an `any` would make them unused,
// which is an error).
import * as tf from '@tensorflow/tfjs-core';
import { SslError, createRng, isSslError, readSafetensors, writeSafetensors, type Backbone, type Module, type Rng, type StateDict } from '@selfsup/core';
import { useBackend, ensureGradients, assertSupportedNode, MINIMUM_NODE_VERSION, type BackendInfo, type BackendName } from '@selfsup/backend';
import { isNativeAvailable, nativeBuildInfo, type NativeBuildInfo } from '@selfsup/backend-native';
import { createVit, type Vit } from '@selfsup/backbones';
import { createBlockMasking, createRandomMasking, tokenMaskToTensor, type MaskingStrategy, type TokenMask } from '@selfsup/masking';
import { renderMaskPng } from '@selfsup/masking/png';
import { createDinoHead, createMaeDecoder, type DinoHead } from '@selfsup/heads';
import { dinoLoss, maeLoss, teacherTargets } from '@selfsup/losses';
import { createCenter, createEmaTeacher } from '@selfsup/ema';
import { createAdamW, cosineSchedule, perEpoch, type Schedule } from '@selfsup/optim';
import { createMultiCrop, ibotAugmentation, type MultiCropViews } from '@selfsup/augment';
import { createDataLoader, loadBundledFashionMnist, imagesToTensor, type Batch, type ImageDataset } from '@selfsup/data/node';
import { stepRng, trainStep, train, type StepResult, type TrainResult } from '@selfsup/train/node';
import { extractFeatures, knnClassifier, type KnnResult } from '@selfsup/eval';
import { createIbotPretraining, IBOT_FASHION_MNIST_REFERENCE, type IbotConfigInput, type IbotPretraining, type ImageBatch } from '@selfsup/ibot';
import { main } from '@selfsup/cli';

export async function encodeOneBatch(name: BackendName = 'cpu'): Promise<{ info: BackendInfo; features: tf.Tensor2D }> {
  assertSupportedNode();
  await ensureGradients();
  const info = await useBackend(name, { threads: 1 });
  const dataset: ImageDataset = await loadBundledFashionMnist('test');
  const batch: Batch = createDataLoader({ dataset, batchSize: 4 }).batch(0, 0);
  const vit: Vit = createVit({ preset: 'tiny', imageSize: 28, patchSize: 4, inChannels: 1, depth: 1 });
  const rng: Rng = createRng(0);
  const masking: MaskingStrategy = createBlockMasking({ maskRatio: [0.1, 0.3] });
  const mask: TokenMask = masking.sample(batch.size, { height: vit.gridSize[0], width: vit.gridSize[1] }, rng);
  const images = imagesToTensor(batch);
  const { classToken } = vit.encode(images, { tokenMask: tokenMaskToTensor(mask) });
  const backbone: Backbone = vit;
  // @ts-expect-error embedDim is a number
  const wrong: string = backbone.embedDim;
  void wrong;
  return { info, features: classToken };
}

export function lossesAndHeads(): tf.Scalar {
  const head: DinoHead = createDinoHead({ inDim: 16, outDim: 32, hiddenDim: 16, bottleneckDim: 8 });
  const logits = head.project(tf.randomNormal([4, 16])) as tf.Tensor2D;
  const targets = teacherTargets(tf.randomNormal([4, 32]), { temperature: 0.04 }) as tf.Tensor2D;
  const decoder = createMaeDecoder({ embedDim: 16, decoderEmbedDim: 8, depth: 1, headCount: 2, imageSize: 28, patchSize: 4, inChannels: 1 });
  void decoder;
  void maeLoss;
  // @ts-expect-error globalCropCount is required
  dinoLoss({ studentGlobal: logits, teacherTargets: targets });
  return dinoLoss({ studentGlobal: logits, teacherTargets: targets, globalCropCount: 2 });
}

export function schedulesAndState(module: Module): void {
  // one schedule vocabulary, counted in iterations: the learning rate, the teacher momentum, and a value held per epoch
  const learningRate: Schedule = cosineSchedule({ baseValue: 5e-4, finalValue: 1e-6, epochs: 2, iterationsPerEpoch: 10, warmupEpochs: 1 });
  const momentum: Schedule = cosineSchedule({ baseValue: 0.996, finalValue: 1, epochs: 2, iterationsPerEpoch: 10 });
  const temperature: Schedule = perEpoch([0.04, 0.07], 10);
  const optimizer = createAdamW({ parameters: module.parameters(), learningRate });
  const teacher = createEmaTeacher;
  const center = createCenter;
  void [optimizer, teacher, center, momentum, temperature, createRandomMasking, renderMaskPng, createMultiCrop, ibotAugmentation];
}

export async function pretrainOneStep(): Promise<StepResult> {
  const config: IbotConfigInput = { ...IBOT_FASHION_MNIST_REFERENCE, epochs: 1, batchSize: 8 };
  const run: IbotPretraining = createIbotPretraining(config, 1);
  const dataset = await loadBundledFashionMnist('train');
  const batch: ImageBatch = createDataLoader({ dataset, batchSize: 8 }).batch(0, 0);
  const context = { iteration: 0, epoch: 0, iterationsPerEpoch: 1, rng: stepRng(0, 0) };
  return trainStep(run.recipe, batch, { optimizer: run.optimizer, gradients: run.gradients, context });
}

export function roundTrip(stateDict: StateDict): StateDict {
  const file = readSafetensors(writeSafetensors(stateDict));
  return new Map([...file.tensors].map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data as ArrayLike<number>) }]));
}

export function describe(error: unknown): string {
  if (isSslError(error, 'NOT_SUPPORTED') || error instanceof SslError) return `${error.code}: ${error.message}`;
  return String(error);
}

export const everythingElse: ReadonlyArray<unknown> = [
  MINIMUM_NODE_VERSION.length,
  isNativeAvailable(),
  nativeBuildInfo() satisfies NativeBuildInfo,
  train satisfies (...args: never[]) => Promise<TrainResult>,
  extractFeatures,
  knnClassifier satisfies (...args: never[]) => Promise<KnnResult> | KnnResult,
  main satisfies (argv: string[]) => Promise<number>,
  null as unknown as MultiCropViews,
];
