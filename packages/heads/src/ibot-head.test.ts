import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SslError, exportStateDict, loadStateDict } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createIbotHead } from './ibot-head.js';

const tiny = { inDim: 6, outDim: 7, patchOutDim: 9, hiddenDim: 5, bottleneckDim: 3 } as const;

describe('createIbotHead', () => {
  it('projects [B, 1+N, D] tokens to [B, K] [CLS] logits and [B, N, P] patch logits', () => {
    const head = createIbotHead(tiny);
    tf.tidy(() => {
      const { classLogits, patchLogits } = head.project(tf.randomNormal([2, 5, 6], 0, 1, 'float32', 1) as tf.Tensor3D);
      expect(classLogits.shape).toEqual([2, 7]);
      expect(patchLogits.shape).toEqual([2, 4, 9]);
    });
    head.dispose();
  });

  it('with a shared head, projects patches with the [CLS] prototypes and lists last_layer2 as aliases', async () => {
    const head = createIbotHead({ ...tiny, patchOutDim: 7, sharedHead: true, normalizeLastLayer: false });
    const names = head.parameters().map((p) => p.name);
    expect(names.slice(-4)).toEqual(['last_layer.weight_g', 'last_layer.weight_v', 'last_layer2.weight_g', 'last_layer2.weight_v']);
    const byName = new Map(head.parameters().map((p) => [p.name, p]));
    expect(byName.get('last_layer2.weight_v')!.variable).toBe(byName.get('last_layer.weight_v')!.variable);
    expect(byName.get('last_layer2.weight_g')!.trainable).toBe(false);
    expect(byName.get('last_layer.weight_g')!.trainable).toBe(true);
    tf.tidy(() => {
      const tokens = tf.randomNormal([1, 3, 6], 0, 1, 'float32', 2) as tf.Tensor3D;
      const { classLogits, patchLogits } = head.project(tokens);
      // a patch token equal to the [CLS] token gets the [CLS] logits
      const same = tf.concat([tf.slice(tokens, [0, 0, 0], [1, 1, 6]), tf.slice(tokens, [0, 0, 0], [1, 1, 6])], 1) as tf.Tensor3D;
      const again = head.project(same);
      expectClose(tf.reshape(again.patchLogits, [1, 7]), again.classLogits, { rtol: 1e-6, atol: 1e-7 });
      expect(patchLogits.shape).toEqual([1, 2, 7]);
      expect(classLogits.shape).toEqual([1, 7]);
    });
    // the export holds both names, as PyTorch's state_dict, and loads back strictly
    const exported = await exportStateDict(head);
    expect(exported.has('last_layer2.weight_v')).toBe(true);
    expect(loadStateDict(head, exported)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    head.dispose();
  });

  it('applies LayerNorm or BatchNorm between hidden layers, over every token', () => {
    for (const norm of ['layer', 'batch'] as const) {
      const head = createIbotHead({ ...tiny, norm });
      expect(head.parameters().some((p) => p.name === 'mlp.1.weight')).toBe(true);
      tf.tidy(() => {
        const tokens = tf.randomNormal([2, 3, 6], 0, 1, 'float32', 3) as tf.Tensor3D;
        const a = head.project(tokens, { training: true });
        // the two input layouts give the same rows to the norm, so the same outputs
        const b = head.project(
          { classToken: tf.reshape(tf.slice(tokens, [0, 0, 0], [2, 1, 6]), [2, 6]) as tf.Tensor2D, patchTokens: tf.slice(tokens, [0, 1, 0], [2, 2, 6]) },
          { training: true },
        );
        expectClose(a.classLogits, b.classLogits, { rtol: 1e-5, atol: 1e-6 });
        expectClose(a.patchLogits, b.patchLogits, { rtol: 1e-5, atol: 1e-6 });
      });
      head.dispose();
    }
  });

  it('passes gradients to the MLP, both last layers and a free gain', async () => {
    const head = createIbotHead({ ...tiny, normalizeLastLayer: false });
    const trainable = head.parameters().filter((p) => p.trainable);
    expect(trainable.map((p) => p.name)).toContain('last_layer2.weight_g');
    const tokens = tf.randomNormal([2, 4, 6], 0, 1, 'float32', 4) as tf.Tensor3D;
    const { value, grads } = tf.variableGrads(() => {
      const { classLogits, patchLogits } = head.project(tokens);
      return tf.add(tf.sum(tf.square(classLogits)), tf.sum(tf.square(patchLogits))) as tf.Scalar;
    }, trainable.map((p) => p.variable));
    for (const p of trainable) expect((await tf.max(tf.abs(grads[p.variable.name]!)).data())[0], p.name).toBeGreaterThan(0);
    tf.dispose([tokens, value, ...Object.values(grads)]);
    head.dispose();
  });

  it('rejects bad options and inputs with SslError naming the argument', () => {
    expect(() => createIbotHead({ ...tiny, sharedHead: true })).toThrow(/patchOutDim.*outDim \(7\)/);
    expect(() => createIbotHead({ ...tiny, layerCount: 0 })).toThrow(SslError);
    const head = createIbotHead(tiny);
    tf.tidy(() => {
      expect(() => head.project(tf.zeros([2, 5, 4]) as tf.Tensor3D)).toThrow(/ibotHead\.project\(tokens\)/);
      expect(() => head.project({ classToken: tf.zeros([2, 6]) as tf.Tensor2D, patchTokens: tf.zeros([3, 4, 6]) as tf.Tensor3D })).toThrow(
        /patchTokens.*\[2, patches, 6\]/,
      );
      expect(() => head.projectClass(tf.zeros([2, 5]) as tf.Tensor2D)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    });
    head.dispose();
    expect(() => head.projectClass(tf.zeros([2, 6]) as tf.Tensor2D)).toThrow(expect.objectContaining({ code: 'DISPOSED' }));
  });

  it('leaks no tensor', async () => {
    const head = createIbotHead({ ...tiny, norm: 'batch' });
    const tokens = tf.ones([2, 3, 6]) as tf.Tensor3D;
    const classToken = tf.ones([2, 6]) as tf.Tensor2D;
    const patchTokens = tf.ones([2, 2, 6]) as tf.Tensor3D;
    await expectNoLeaks(() => head.project(tokens, { training: true }), 'project tokens');
    await expectNoLeaks(() => head.project({ classToken, patchTokens }), 'project features');
    await expectNoLeaks(() => head.projectClass(classToken, { training: true }), 'projectClass');
    tf.dispose([tokens, classToken, patchTokens]);
    head.dispose();
  });

  it('frees every variable on dispose, shared head or not', () => {
    const before = tf.memory().numTensors;
    createIbotHead(tiny).dispose();
    createIbotHead({ ...tiny, patchOutDim: 7, sharedHead: true }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
