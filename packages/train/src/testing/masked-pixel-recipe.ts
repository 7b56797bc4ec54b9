// A small but real recipe for the tests of @selfsup/train (not exported): a tiny ViT student whose
// masked patches are reconstructed pixel by pixel by a linear decoder (an MAE/SimMIM-style
// objective), plus an EMA teacher whose patch tokens the student also matches (a distillation
// term), updated in afterStep. Every part of the Recipe contract is exercised.
import * as tf from '@tensorflow/tfjs-core';
import { createRng, type Module, type Objective, type Parameter, type Recipe, type StepContext } from '@selfsup/core';
import { createLinear, createVit, type Vit } from '@selfsup/backbones';
import { createAdamW, cosineSchedule, type AdamW } from '@selfsup/optim';

export const IMAGE_SIZE = 8;
export const PATCH_SIZE = 4;

/** Host images `[size, imageSize, imageSize, 1]` in [0, 1]. */
export interface PixelBatch {
  readonly images: Float32Array;
  readonly size: number;
}

export interface PixelViews {
  /** `[B, S, S, 1]`. */
  readonly images: tf.Tensor4D;
  /** `[B, patches]`, 1 where a patch is masked. */
  readonly mask: tf.Tensor2D;
}

export interface PixelTargets {
  /** `[B, patches, 16]`: each patch's pixels. */
  readonly pixels: tf.Tensor3D;
  /** `[B, patches, D]`: the teacher's patch tokens of the unmasked images. */
  readonly teacherTokens: tf.Tensor3D;
  /** Host-side: the momentum used by afterStep (logged as a metric). */
  readonly momentum: number;
}

export interface PixelOutputs {
  readonly patchTokens: tf.Tensor3D;
  /** `[B, patches, 16]`. */
  readonly predictions: tf.Tensor3D;
}

export interface MaskedPixelRecipeOptions {
  /** Seed of the initial weights. */
  seed?: number;
  /** Image side (a multiple of 4; 8 by default). */
  imageSize?: number;
  embedDim?: number;
  /** Transformer blocks (1 by default). */
  depth?: number;
  headCount?: number;
  /** Masked patches per image (of 4 with the default size). */
  maskedPatches?: number;
  /** Give the student a token mask; without it the mask token gets no gradient. */
  useMask?: boolean;
  /** Teacher EMA momentum. */
  momentum?: number;
  /** Weight of the distillation term. */
  distillWeight?: number;
  /** The pixel loss becomes infinite at this iteration (a diverged run). */
  poisonAtIteration?: number;
  /** The recipe's name. */
  name?: string;
}

export type PixelRecipe = Recipe<PixelBatch, PixelViews, PixelOutputs, PixelTargets> & {
  readonly student: Vit;
  readonly teacher: Vit;
};

function prefixed(parameters: readonly Parameter[], prefix: string, trainable: boolean): Parameter[] {
  return parameters.map((p) => ({ ...p, name: prefix + p.name, trainable: trainable && p.trainable }));
}

/** `[B, S, S, 1] -> [B, (S/4)^2, 16]`: patches in row-major grid order, pixels (y, x) inside each. */
function patchify(images: tf.Tensor4D): tf.Tensor3D {
  const [batch, size] = images.shape;
  const grid = size / PATCH_SIZE;
  // [B, S, S, 1] -> [B, g, 4, g, 4] -> [B, g, g, 4, 4] -> [B, g*g, 16]
  const split = tf.reshape(images, [batch, grid, PATCH_SIZE, grid, PATCH_SIZE]);
  return tf.reshape(tf.transpose(split, [0, 1, 3, 2, 4]), [batch, grid * grid, PATCH_SIZE * PATCH_SIZE]) as tf.Tensor3D;
}

export function createMaskedPixelRecipe(options: MaskedPixelRecipeOptions = {}): PixelRecipe {
  const {
    seed = 0,
    imageSize = IMAGE_SIZE,
    embedDim = 8,
    depth = 1,
    headCount = 2,
    maskedPatches = 2,
    useMask = true,
    momentum = 0.9,
    distillWeight = 0.1,
    poisonAtIteration,
    name = 'masked-pixel-test',
  } = options;
  const patches = (imageSize / PATCH_SIZE) ** 2;
  const patchDim = PATCH_SIZE * PATCH_SIZE; // one channel
  const vitOptions = { imageSize, patchSize: PATCH_SIZE, inChannels: 1, embedDim, depth, headCount, seed };
  const student = createVit(vitOptions);
  const teacher = createVit(vitOptions); // the same seed: the teacher starts as a copy of the student
  const decoder = createLinear({ prefix: 'decoder', inDim: embedDim, outDim: patchDim, rng: createRng(seed + 1) });
  const studentParameters = [...prefixed(student.parameters(), 'backbone.', true), ...decoder.parameters()];
  const teacherParameters = prefixed(teacher.parameters(), 'backbone.', false);
  const studentModule: Module = { parameters: () => studentParameters, dispose: () => undefined };
  const teacherModule: Module = { parameters: () => teacherParameters, dispose: () => undefined };

  const pixelObjective: Objective<PixelViews, PixelOutputs, PixelTargets> = {
    name: 'pixel',
    compute(outputs, targets, views, context) {
      // mean squared error over the pixels of masked patches (all patches without a mask)
      const squared = tf.mean(tf.square(tf.sub(outputs.predictions, targets.pixels)), 2); // [B, 4]
      const weights = useMask ? views.mask : tf.onesLike(views.mask);
      let loss = tf.div(tf.sum(tf.mul(squared, weights)), tf.sum(weights)) as tf.Scalar;
      if (context.iteration === poisonAtIteration) loss = tf.mul(loss, tf.scalar(Infinity));
      return { loss };
    },
  };
  const distillObjective: Objective<PixelViews, PixelOutputs, PixelTargets> = {
    name: 'distill',
    compute(outputs, targets) {
      const loss = tf.mul(tf.mean(tf.square(tf.sub(outputs.patchTokens, targets.teacherTokens))), tf.scalar(distillWeight)) as tf.Scalar;
      return { loss, metrics: { momentum: tf.scalar(targets.momentum) } };
    },
  };

  return {
    name,
    student,
    teacher,
    trainableParameters: () => studentParameters,
    modules: () => ({ student: studentModule, teacher: teacherModule }),
    makeViews(batch: PixelBatch, context: StepContext): PixelViews {
      const mask = new Float32Array(batch.size * patches);
      if (useMask) {
        for (let b = 0; b < batch.size; b++) {
          const order = context.rng.permutation(patches);
          for (let k = 0; k < maskedPatches; k++) mask[b * patches + order[k]!] = 1;
        }
      }
      return {
        images: tf.tensor4d(batch.images, [batch.size, imageSize, imageSize, 1]),
        mask: tf.tensor2d(mask, [batch.size, patches]),
      };
    },
    makeTargets(views: PixelViews): PixelTargets {
      return { pixels: patchify(views.images), teacherTokens: teacher.encode(views.images).patchTokens, momentum };
    },
    forward(views: PixelViews): PixelOutputs {
      const { patchTokens } = student.encode(views.images, useMask ? { tokenMask: views.mask } : {});
      const predictions = decoder.apply(patchTokens) as tf.Tensor3D;
      return { patchTokens, predictions };
    },
    objectives: [pixelObjective, distillObjective],
    afterStep(): void {
      const studentVariables = student.parameters();
      teacher.parameters().forEach((t, i) => {
        const s = studentVariables[i]!.variable;
        t.variable.assign(tf.add(tf.mul(t.variable, tf.scalar(momentum)), tf.mul(s, tf.scalar(1 - momentum))));
      });
    },
    dispose(): void {
      student.dispose();
      teacher.dispose();
      decoder.weight.dispose();
      decoder.bias?.dispose();
    },
  };
}

/** Options of {@link pixelBatches}. */
export interface PixelBatchesOptions {
  /** Seed of the images and of each epoch's order. */
  seed?: number;
  imageCount?: number;
  batchSize?: number;
  /** Image side. @defaultValue 8 */
  imageSize?: number;
}

/**
 * A tiny deterministic data set of smooth patterns, served in a seeded order per epoch: the
 * `batches` function `train` wants (`startBatch` honoured).
 */
export function pixelBatches(options: PixelBatchesOptions = {}): {
  batchesPerEpoch: number;
  batches: (epoch: number, position: { startBatch: number }) => Iterable<PixelBatch>;
} {
  const { seed = 0, imageCount = 16, batchSize = 4, imageSize = IMAGE_SIZE } = options;
  const rng = createRng(seed);
  const pixels = imageSize * imageSize;
  const images = new Float32Array(imageCount * pixels);
  for (let i = 0; i < imageCount; i++) {
    const a = rng.uniform(0.2, 1.2);
    const b = rng.uniform(0.2, 1.2);
    const c = rng.uniform(0, 2 * Math.PI);
    for (let y = 0; y < imageSize; y++) {
      for (let x = 0; x < imageSize; x++) images[i * pixels + y * imageSize + x] = 0.5 + 0.5 * Math.sin(a * x + b * y + c);
    }
  }
  const batchesPerEpoch = Math.floor(imageCount / batchSize);
  return {
    batchesPerEpoch,
    *batches(epoch: number, { startBatch }: { startBatch: number }): Iterable<PixelBatch> {
      const order = createRng(seed * 7919 + epoch + 1).permutation(imageCount);
      for (let index = startBatch; index < batchesPerEpoch; index++) {
        const out = new Float32Array(batchSize * pixels);
        for (let k = 0; k < batchSize; k++) {
          const source = order[index * batchSize + k]!;
          out.set(images.subarray(source * pixels, (source + 1) * pixels), k * pixels);
        }
        yield { images: out, size: batchSize };
      }
    },
  };
}

/** An AdamW over the recipe's trainable parameters with iBOT-style cosine schedules. */
export function createTestOptimizer(recipe: PixelRecipe, epochs: number, iterationsPerEpoch: number, baseLearningRate = 3e-2): AdamW {
  return createAdamW({
    parameters: recipe.trainableParameters(),
    learningRate: cosineSchedule({ baseValue: baseLearningRate, finalValue: baseLearningRate / 10, epochs, iterationsPerEpoch, warmupEpochs: 0 }),
    weightDecay: cosineSchedule({ baseValue: 0.04, finalValue: 0.4, epochs, iterationsPerEpoch }),
  });
}
