// An iBOT training step on webgpu against cpu: the loss, its terms and the global gradient norm
// (the sum over every parameter's squared gradient is one addN of ~40 inputs: tfjs-backend-webgpu
// 4.22 returned a stale sum past 7 inputs, and the norm read 0.100 instead of 23.417). Float32
// tolerance rtol 1e-3: a whole step chains hundreds of reductions in a different order per backend.
import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { useBackend, type BackendName } from '@selfsup/backend';
import { startWebgpu, expectClose } from '@selfsup/testing';
import { stepRng, trainStep } from '@selfsup/train';
import { createIbotPretraining } from './ibot-pretraining.js';
import type { ImageBatch } from '../pretraining.js';
import type { IbotConfigInput } from './ibot-config.js';

const tiny: IbotConfigInput = {
  epochs: 2,
  batchSize: 4,
  backbone: { imageSize: 16, patchSize: 4, inChannels: 1, embedDim: 16, depth: 2, headCount: 2 },
  head: { outDim: 32, hiddenDim: 24, bottleneckDim: 8 },
  augmentation: { globalSize: 16, localSize: 8, localCrops: 2 },
  masking: { ratio: 0.3, variance: 0.1 },
  optimizer: { warmupEpochs: 1 },
};

const initial = tf.getBackend();
const webgpu = await startWebgpu();

afterAll(async () => {
  await useBackend(initial === 'selfsup-native' ? 'native' : (initial as BackendName));
});

function batch(seed: number): ImageBatch {
  const rng = createRng(seed);
  return { images: Uint8Array.from({ length: 4 * 16 * 16 }, () => rng.integer(0, 256)), size: 4, height: 16, width: 16, channels: 1 };
}

/** Losses, terms and gradient norms of `steps` iBOT steps on `backend`, and the tensor count after each. */
async function run(backend: 'cpu' | 'webgpu', steps: number) {
  await useBackend(backend);
  const pretraining = createIbotPretraining(tiny, 3);
  const numbers: number[] = [];
  const tensorCounts: number[] = [];
  for (let iteration = 0; iteration < steps; iteration++) {
    const result = await trainStep(pretraining.recipe, batch(iteration), {
      optimizer: pretraining.optimizer,
      gradients: pretraining.gradients,
      context: { iteration, epoch: Math.floor(iteration / 3), iterationsPerEpoch: 3, rng: stepRng(0, iteration) },
    });
    numbers.push(result.loss, result.metrics.cls!, result.metrics.patch!, result.gradNorm);
    tensorCounts.push(tf.memory().numTensors);
  }
  pretraining.dispose();
  return { numbers, tensorCounts };
}

describe.skipIf(!webgpu.available)(`an iBOT training step on webgpu (${webgpu.reason})`, () => {
  it('gives the loss, its terms and the gradient norm of cpu, with a steady tensor count', async () => {
    const cpu = await run('cpu', 5);
    const gpu = await run('webgpu', 5);
    expect(cpu.numbers.every(Number.isFinite)).toBe(true);
    expectClose(gpu.numbers, cpu.numbers, { rtol: 1e-3, atol: 1e-5 }, 'loss, cls, patch, gradNorm per step');
    // The last layer gets its AdamW moments at its first update (iteration 3); steady after that.
    expect(gpu.tensorCounts[4]).toBe(gpu.tensorCounts[3]);
  });
});
