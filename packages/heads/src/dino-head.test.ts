import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, loadStateDict, stateDictFromRecords } from '@selfsup/core';
import { expectClose, expectNoLeaks, fromFixture, loadFixture, type FixtureTensor } from '@selfsup/testing';
import { createDinoHead } from './dino-head.js';
import { createIbotHead } from './ibot-head.js';
import { createLinearHead } from './linear-head.js';
import { createMaeDecoder } from './mae-decoder.js';
import { createBatchNorm } from './batch-norm.js';
import { createWeightNormLinear } from './weight-norm-linear.js';
import { createProjectionMlp } from './projection-mlp.js';

interface HeadCase {
  config: { in_dim: number; out_dim: number; nlayers: number; hidden_dim: number; bottleneck_dim: number; norm_last_layer: boolean; act: string; norm?: string | null };
  state_dict: Record<string, FixtureTensor>;
  input: FixtureTensor;
  expected: { cls: FixtureTensor };
}

const fixture = loadFixture<{ cases: HeadCase[] }>('ibot-head.json');

describe('createDinoHead', () => {
  // iBOTHead's [CLS] path is DINOHead's forward: the iBOT fixture checks the DINO head too.
  for (const [index, testCase] of fixture.cases.filter((t) => !t.config.norm).entries()) {
    it(`gives the official DINOHead logits of the [CLS] token (ibot-head.json case ${index})`, () => {
      const c = testCase.config;
      const head = createDinoHead({
        inDim: c.in_dim,
        outDim: c.out_dim,
        layerCount: c.nlayers,
        hiddenDim: c.hidden_dim,
        bottleneckDim: c.bottleneck_dim,
        normalizeLastLayer: c.norm_last_layer,
        activation: c.act as 'gelu' | 'relu',
      });
      const records = Object.fromEntries(Object.entries(testCase.state_dict).filter(([name]) => !name.startsWith('last_layer2.')));
      expect(loadStateDict(head, stateDictFromRecords(records))).toEqual({ missingKeys: [], unexpectedKeys: [] });
      tf.tidy(() => {
        const tokens = fromFixture(testCase.input); // [B, 1+N, D]
        const [batch, , dim] = tokens.shape as [number, number, number];
        const classToken = tf.reshape(tf.slice(tokens, [0, 0, 0], [batch, 1, dim]), [batch, dim]);
        expectClose(head.project(classToken), testCase.expected.cls, { rtol: 1e-5, atol: 1e-6 }, 'cls');
        // any leading shape: [B, 1, D] -> [B, 1, K]
        expect(head.project(tf.expandDims(classToken, 1)).shape).toEqual([batch, 1, c.out_dim]);
      });
      head.dispose();
    });
  }

  it('names its parameters as the official head, for every depth and norm', () => {
    const names = (options: Partial<Parameters<typeof createDinoHead>[0]>) => {
      const head = createDinoHead({ inDim: 4, outDim: 6, hiddenDim: 5, bottleneckDim: 3, ...options });
      const out = head.parameters().map((p) => p.name);
      head.dispose();
      return out;
    };
    const last = ['last_layer.weight_g', 'last_layer.weight_v'];
    expect(names({})).toEqual(['mlp.0.weight', 'mlp.0.bias', 'mlp.2.weight', 'mlp.2.bias', 'mlp.4.weight', 'mlp.4.bias', ...last]);
    expect(names({ layerCount: 1 })).toEqual(['mlp.weight', 'mlp.bias', ...last]);
    expect(names({ layerCount: 2, norm: 'layer' })).toEqual(['mlp.0.weight', 'mlp.0.bias', 'mlp.1.weight', 'mlp.1.bias', 'mlp.3.weight', 'mlp.3.bias', ...last]);
    expect(names({ layerCount: 3, norm: 'batch' })).toEqual([
      'mlp.0.weight', 'mlp.0.bias',
      'mlp.1.weight', 'mlp.1.bias', 'mlp.1.running_mean', 'mlp.1.running_var', 'mlp.1.num_batches_tracked',
      'mlp.3.weight', 'mlp.3.bias',
      'mlp.4.weight', 'mlp.4.bias', 'mlp.4.running_mean', 'mlp.4.running_var', 'mlp.4.num_batches_tracked',
      'mlp.6.weight', 'mlp.6.bias',
      ...last,
    ]);
  });

  it('applies ReLU or the exact GELU between hidden layers (hand-derived)', () => {
    const relu = createDinoHead({ inDim: 2, outDim: 2, layerCount: 2, hiddenDim: 2, bottleneckDim: 2, activation: 'relu' });
    const gelu = createDinoHead({ inDim: 2, outDim: 2, layerCount: 2, hiddenDim: 2, bottleneckDim: 2 });
    tf.tidy(() => {
      for (const head of [relu, gelu]) {
        // mlp.0: W = I, b = -2; mlp.2: W = I, b = [1, 2]; last layer: identity directions, gain 1
        const byName = new Map(head.parameters().map((p) => [p.name, p.variable]));
        byName.get('mlp.0.weight')!.assign(tf.eye(2));
        byName.get('mlp.0.bias')!.assign(tf.tensor1d([-2, -2]));
        byName.get('mlp.2.weight')!.assign(tf.eye(2));
        byName.get('mlp.2.bias')!.assign(tf.tensor1d([1, 2]));
        byName.get('last_layer.weight_v')!.assign(tf.eye(2));
      }
      const x = tf.tensor2d([[1, 3]]); // pre-activations [-1, 1]
      // ReLU: hidden [0, 1]; bottleneck [1, 3]; normalised [1, 3] / sqrt 10
      expectClose(relu.project(x), [1 / Math.sqrt(10), 3 / Math.sqrt(10)], { rtol: 1e-6 });
      // GELU: hidden [-Phi(-1), Phi(1)] = [-0.1586553, 0.8413447]; bottleneck [0.8413447, 2.8413447]
      const b = [1 - 0.15865525, 2 + 0.84134475];
      const length = Math.hypot(b[0]!, b[1]!);
      expectClose(gelu.project(x), [b[0]! / length, b[1]! / length], { rtol: 1e-5 });
    });
    relu.dispose();
    gelu.dispose();
  });

  it('gives unit-length prototypes logits bounded by the gain: |logit| <= 1 with normalizeLastLayer', async () => {
    const head = createDinoHead({ inDim: 8, outDim: 16, hiddenDim: 12, bottleneckDim: 4, seed: 3 });
    const largest = tf.tidy(() => tf.max(tf.abs(head.project(tf.randomNormal([5, 8], 0, 3, 'float32', 1)))));
    // cosine similarities between a unit bottleneck and unit prototypes
    expect((await largest.data())[0]).toBeLessThanOrEqual(1 + 1e-6);
    largest.dispose();
    head.dispose();
  });

  it('trains every trainable parameter, and not the fixed gain', async () => {
    for (const norm of ['none', 'layer', 'batch'] as const) {
      const head = createDinoHead({ inDim: 6, outDim: 7, hiddenDim: 5, bottleneckDim: 3, norm, seed: 1 });
      const trainable = head.parameters().filter((p) => p.trainable);
      expect(trainable.map((p) => p.name)).not.toContain('last_layer.weight_g');
      const x = tf.randomNormal([4, 6], 0, 1, 'float32', 2);
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(head.project(x, { training: true }))) as tf.Scalar,
        trainable.map((p) => p.variable),
      );
      for (const p of trainable) {
        const g = grads[p.variable.name]!;
        const largest = tf.max(tf.abs(g));
        expect((await largest.data())[0], `${norm}: ${p.name}`).toBeGreaterThan(0);
        largest.dispose();
      }
      tf.dispose([x, value, ...Object.values(grads)]);
      head.dispose();
    }
  });

  it('rejects bad options and inputs with SslError', () => {
    expect(() => createDinoHead({ inDim: 0, outDim: 3 })).toThrow(SslError);
    expect(() => createDinoHead({ inDim: 4, outDim: 3, norm: 'group' as never })).toThrow(/options\.norm/);
    expect(() => createDinoHead({ inDim: 4, outDim: 3, activation: 'tanh' as never })).toThrow(/options\.activation/);
    const head = createDinoHead({ inDim: 4, outDim: 3, hiddenDim: 5, bottleneckDim: 2 });
    const x = tf.zeros([2, 5]);
    expect(() => head.project(x)).toThrow(/\[\.\.\., 4\]/);
    head.dispose();
    expect(() => head.project(x)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
    x.dispose();
  });

  it('leaks no tensor, with or without BatchNorm in training', async () => {
    for (const norm of ['none', 'batch'] as const) {
      const head = createDinoHead({ inDim: 4, outDim: 3, hiddenDim: 5, bottleneckDim: 2, norm });
      const x = tf.ones([2, 4]);
      await expectNoLeaks(() => head.project(x, { training: true }), `project (${norm})`);
      x.dispose();
      head.dispose();
    }
  });

  it('frees every variable on dispose', () => {
    const before = tf.memory().numTensors;
    createDinoHead({ inDim: 4, outDim: 3, hiddenDim: 5, bottleneckDim: 2, norm: 'batch' }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('every head factory refuses null or missing options with INVALID_ARGUMENT, not a TypeError', () => {
    const factories: [string, (options: never) => unknown][] = [
      ['createDinoHead', createDinoHead],
      ['createIbotHead', createIbotHead],
      ['createLinearHead', createLinearHead],
      ['createMaeDecoder', createMaeDecoder],
      ['createBatchNorm', createBatchNorm],
      ['createWeightNormLinear', createWeightNormLinear],
      ['createProjectionMlp', createProjectionMlp],
    ];
    for (const [name, create] of factories) {
      for (const options of [null, undefined, 7]) {
        expect(() => create(options as never), `${name}(${String(options)})`).toThrow(
          expect.objectContaining({ name: 'SslError', code: 'INVALID_ARGUMENT', message: expect.stringContaining(`${name}(options): expected an options object`) }),
        );
      }
    }
  });
});
