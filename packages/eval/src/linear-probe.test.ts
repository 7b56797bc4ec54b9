import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, hostTensor, isSslError, type HostTensor } from '@selfsup/core';
import { trainLinearProbe, type LinearProbeEpoch } from './linear-probe.js';

/** Linearly separable classes: class c has +3 on axis c, plus normal noise (std 0.5) on every axis. */
function separable(classCount: number, dim: number, perClass: number, seed: number): { features: HostTensor; labels: number[] } {
  const rng = createRng(seed);
  const data: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < perClass; i++) {
    for (let c = 0; c < classCount; c++) {
      for (let d = 0; d < dim; d++) data.push((d === c ? 3 : 0) + rng.normal(0, 0.5));
      labels.push(c);
    }
  }
  return { features: hostTensor([labels.length, dim], data), labels };
}

describe('trainLinearProbe', () => {
  it('takes SGD-with-momentum steps on the cross-entropy under a cosine learning rate (hand example)', async () => {
    // x = [[1], [-1]], labels [0, 1], W0 = 0, b0 = 0 (initStd 0), lr 1, momentum 0.9, one batch of 2.
    // epoch 0 (lr = 1): logits 0 -> p = (0.5, 0.5), loss = ln 2.
    //   dL/dlogits = (p - y) / 2: row 0 (-0.25, 0.25), row 1 (0.25, -0.25)
    //   gW = x^T g = 1 * (-0.25, 0.25) - 1 * (0.25, -0.25) = (-0.5, 0.5); gb = (0, 0)
    //   v = gW; W1 = (0.5, -0.5)
    // epoch 1 (lr = (1 + cos(pi / 2)) / 2 = 0.5): logits row 0 (0.5, -0.5) -> p = (s, 1 - s), s = sigmoid(1)
    //   loss = -ln s = 0.31326168751822286
    //   gW = 2 * ((s - 1) / 2, (1 - s) / 2) = (s - 1, 1 - s) = (-0.2689414, 0.2689414)
    //   v = 0.9 * (-0.5, 0.5) + gW = (-0.7189414, 0.7189414); W2 = W1 - 0.5 v = (0.8594707, -0.8594707)
    const s = 1 / (1 + Math.exp(-1));
    const epochs: LinearProbeEpoch[] = [];
    const probe = await trainLinearProbe({
      features: hostTensor([2, 1], [1, -1]),
      labels: [0, 1],
      learningRate: 1,
      epochs: 2,
      batchSize: 2,
      initStd: 0,
      rng: createRng(0),
      onEpoch: (e) => epochs.push(e),
    });
    const w = 0.5 + 0.5 * (0.9 * 0.5 + (1 - s));
    expect(probe.weight.shape).toEqual([1, 2]);
    expect(probe.weight.data[0]).toBeCloseTo(w, 6);
    expect(probe.weight.data[1]).toBeCloseTo(-w, 6);
    probe.bias.data.forEach((b) => expect(b).toBeCloseTo(0, 6)); // gb = 0 up to float32 rounding
    expect(epochs[0]!.learningRate).toBe(1);
    expect(epochs[1]!.learningRate).toBeCloseTo(0.5, 15);
    expect(epochs[0]!.loss).toBeCloseTo(Math.log(2), 6);
    expect(epochs[1]!.loss).toBeCloseTo(-Math.log(s), 6);
    expect(probe.finalLoss).toBe(epochs[1]!.loss);
    // scores = x W + b on the host
    expect(Array.from(probe.scores(hostTensor([1, 1], [2])).data)).toEqual([Math.fround(2 * probe.weight.data[0]!), Math.fround(2 * probe.weight.data[1]!)]);
  });

  it("decays the learning rate per epoch as PyTorch's CosineAnnealingLR(epochs, eta_min=0), bit for bit, over several steps per epoch", async () => {
    // 5 images, batches of 2: 3 steps per epoch; lr_e = lr * (1 + cos(pi * e / E)) / 2
    const learningRates: number[] = [];
    await trainLinearProbe({
      features: hostTensor([5, 1], [1, -1, 2, -2, 0.5]),
      labels: [0, 1, 0, 1, 0],
      learningRate: 0.3,
      epochs: 7,
      batchSize: 2,
      rng: createRng(1),
      onEpoch: (e) => learningRates.push(e.learningRate),
    });
    expect(learningRates).toEqual(Array.from({ length: 7 }, (_, e) => (0.3 * (1 + Math.cos((Math.PI * e) / 7))) / 2));
  });

  it('reaches high accuracy on linearly separable features', async () => {
    const train = separable(4, 6, 30, 1);
    const test = separable(4, 6, 20, 2);
    const probe = await trainLinearProbe({ ...train, learningRate: 0.1, epochs: 20, batchSize: 16, rng: createRng(0) });
    const accuracy = probe.evaluate(test.features, test.labels);
    expect(accuracy.top1).toBeGreaterThanOrEqual(97);
    expect(accuracy.top5).toBe(100);
    expect(probe.finalLoss).toBeLessThan(0.2);
  });

  it('is reproducible from the rng, and leaves no tensor behind', async () => {
    const train = separable(3, 4, 10, 3);
    const before = tf.memory().numTensors;
    const a = await trainLinearProbe({ ...train, epochs: 3, batchSize: 7, rng: createRng(5) });
    expect(tf.memory().numTensors).toBe(before);
    const b = await trainLinearProbe({ ...train, epochs: 3, batchSize: 7, rng: createRng(5) });
    expect(Array.from(a.weight.data)).toEqual(Array.from(b.weight.data));
    const c = await trainLinearProbe({ ...train, epochs: 3, batchSize: 7, rng: createRng(6) });
    expect(Array.from(a.weight.data)).not.toEqual(Array.from(c.weight.data));
  });

  it('rejects bad options with SslErrors', async () => {
    const train = separable(2, 3, 2, 4);
    const reject = async (options: Partial<Parameters<typeof trainLinearProbe>[0]>, code: string, text: RegExp) => {
      const error = await trainLinearProbe({ ...train, rng: createRng(0), ...options }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSslError(error), `${JSON.stringify(options)}: ${String(error)}`).toBe(true);
      expect((error as { code: string }).code).toBe(code);
      expect((error as Error).message).toMatch(text);
    };
    await reject({ labels: [0, 1] }, 'SHAPE_MISMATCH', /options\.labels\): expected 4 labels/);
    await reject({ epochs: 0 }, 'INVALID_ARGUMENT', /options\.epochs/);
    await reject({ learningRate: -1 }, 'INVALID_ARGUMENT', /options\.learningRate/);
    await reject({ classCount: 1 }, 'INVALID_ARGUMENT', /options\.labels\)\[1\]/);
    await reject({ rng: undefined as never }, 'INVALID_ARGUMENT', /options\.rng/);
    // features of 1e30, misclassified by the initial W: the first step moves W by about 1e29, the
    // next logits (1e59) overflow float32 and the loss becomes NaN
    await reject({ features: hostTensor([2, 1], [1e30, -1e30]), labels: [1, 0], epochs: 2 }, 'NON_FINITE_LOSS', /Lower options\.learningRate/);
    const probe = await trainLinearProbe({ ...train, epochs: 1, rng: createRng(0) });
    expect(() => probe.scores(hostTensor([1, 2], [0, 0]))).toThrow(/expected rows of 3 values/);
    expect(() => probe.evaluate(train.features, [0])).toThrow(/expected 4 labels/);
  });
});
