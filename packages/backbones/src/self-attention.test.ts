import { afterEach, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng, isSslError } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { ATTENTION_IMPL_FLAG, resolveAttentionImpl, selfAttention, type AttentionImpl } from './self-attention.js';

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => scale * rng.normal()), shape);
}

/**
 * The plain formula, differentiated by tfjs: timm's Attention up to `proj`. qkv = x W + b is viewed
 * [B, N, 3, H, Dh] and permuted to [3, B, H, N, Dh]; softmax(q k^T * Dh^-0.5) v per image and head;
 * heads concatenated back to [B, N, D].
 */
function reference(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, heads: number): tf.Tensor {
  const [batch, tokens, dim] = x.shape as [number, number, number];
  const headDim = dim / heads;
  let qkv = tf.matMul(tf.reshape(x, [batch * tokens, dim]), w);
  if (b) qkv = tf.add(qkv, b);
  const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(qkv, [batch, tokens, 3, heads, headDim]), [2, 0, 3, 1, 4])) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const weights = tf.softmax(tf.mul(tf.matMul(q, k, false, true), headDim ** -0.5), -1);
  return tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [batch, tokens, dim]);
}

const IMPLS = ['depthwise', 'matmul'] as const;

afterEach(() => {
  tf.env().set(ATTENTION_IMPL_FLAG, 'auto');
});

describe('selfAttention', () => {
  for (const impl of IMPLS) {
    it(`${impl}: attends with q = k = v = x to hand-derived weights (one head, then two heads)`, () => {
      // x = [[1, 0], [0, 1]] (2 tokens), W = [I | I | I], so q = k = v = x.
      const x = tf.tensor3d([[[1, 0], [0, 1]]]);
      const eye = tf.eye(2);
      const w = tf.concat([eye, eye, eye], 1) as tf.Tensor2D;
      // One head, headDim 2, scale 1/sqrt(2): scores = [[s, 0], [0, s]] with s = 0.70710678;
      // row 0 weights [sigmoid(s), 1 - sigmoid(s)] = [0.66976155, 0.33023845] (1/(1 + e^-s), e^-s = 0.49306869),
      // so out row 0 = 0.66976155 * [1, 0] + 0.33023845 * [0, 1], and row 1 mirrored.
      expectClose(selfAttention(x, w, undefined, 1, { impl }), [0.66976155, 0.33023845, 0.33023845, 0.66976155], { rtol: 1e-6, atol: 1e-7 });
      // Two heads of headDim 1 (scale 1): head 0 sees feature 0 only, tokens [1, 0]: scores
      // [[1, 0], [0, 0]], row 0 weights [e/(e+1), 1/(e+1)] = [0.73105858, 0.26894142], row 1 [0.5, 0.5];
      // out feature 0 = weights x v = [0.73105858, 0.5]. Head 1 (feature 1, tokens [0, 1]) mirrors it.
      // A zero bias changes nothing.
      expectClose(selfAttention(x, w, tf.zeros([6]) as tf.Tensor1D, 2, { impl }), [0.73105858, 0.5, 0.5, 0.73105858], { rtol: 1e-6, atol: 1e-7 });
    });

    it(`${impl}: value and gradients equal autodiff of the plain formula, with odd shapes`, () => {
      const cases: [batch: number, tokens: number, dim: number, heads: number, bias: boolean][] = [
        [1, 1, 2, 1, true],
        [2, 5, 6, 3, false],
        [3, 7, 8, 2, true],
        [2, 17, 12, 4, true],
      ];
      for (const [batch, tokens, dim, heads, bias] of cases) {
        const label = `${impl} B${batch} N${tokens} D${dim} H${heads}${bias ? ' bias' : ''}`;
        tf.tidy(() => {
          const x = random([batch, tokens, dim], 1);
          const w = random([dim, 3 * dim], 2, 0.5);
          const b = bias ? random([3 * dim], 3, 0.5) : undefined;
          const dy = random([batch, tokens, dim], 4);
          const ours = (xx: tf.Tensor, ww: tf.Tensor, bb?: tf.Tensor) => selfAttention(xx as tf.Tensor3D, ww as tf.Tensor2D, bb as tf.Tensor1D | undefined, heads, { impl });
          expectClose(ours(x, w, b), reference(x, w, b, heads), { rtol: 1e-5, atol: 1e-6 }, `${label} value`);
          const inputs = b ? [x, w, b] : [x, w];
          const got = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(ours(t[0]!, t[1]!, t[2]), dy)))(inputs);
          const want = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(reference(t[0]!, t[1]!, t[2], heads), dy)))(inputs);
          expect(got).toHaveLength(inputs.length);
          got.forEach((g, i) => expectClose(g, want[i]!, { rtol: 1e-4, atol: 1e-5 }, `${label} gradient ${['x', 'weight', 'bias'][i]}`));
        });
      }
    });

    it(`${impl}: leaks no tensors, forward or backward`, async () => {
      const x = random([2, 5, 6], 1) as tf.Tensor3D;
      const w = random([6, 18], 2) as tf.Tensor2D;
      const b = random([18], 3) as tf.Tensor1D;
      await expectNoLeaks(() => selfAttention(x, w, b, 3, { impl }), `${impl} forward`);
      await expectNoLeaks(() => tf.grads((a, c, d) => tf.sum(selfAttention(a as tf.Tensor3D, c as tf.Tensor2D, d as tf.Tensor1D, 3, { impl })))([x, w, b]), `${impl} gradients`);
      await expectNoLeaks(() => tf.grads((a, c) => tf.sum(selfAttention(a as tf.Tensor3D, c as tf.Tensor2D, undefined, 3, { impl })))([x, w]), `${impl} gradients, no bias`);
      tf.dispose([x, w, b]);
    });
  }

  it('takes its formulation from the SELFSUP_ATTENTION_IMPL flag, auto by backend', () => {
    expect(tf.env().get(ATTENTION_IMPL_FLAG)).toBe('auto');
    const backend = tf.getBackend();
    expect(resolveAttentionImpl()).toBe(backend === 'cpu' || backend === 'wasm' ? 'depthwise' : 'matmul');
    tf.env().set(ATTENTION_IMPL_FLAG, 'matmul');
    expect(resolveAttentionImpl()).toBe('matmul');
    expect(resolveAttentionImpl('depthwise')).toBe('depthwise');
    // Same values whichever the flag says.
    tf.tidy(() => {
      const x = random([2, 3, 4], 5) as tf.Tensor3D;
      const w = random([4, 12], 6) as tf.Tensor2D;
      const viaFlag = selfAttention(x, w, undefined, 2);
      tf.env().set(ATTENTION_IMPL_FLAG, 'depthwise');
      expectClose(selfAttention(x, w, undefined, 2), viaFlag, { rtol: 1e-5, atol: 1e-6 });
    });
  });

  it('rejects an unknown formulation, bad shapes and a head count that does not divide dim', () => {
    const expectSslError = (fn: () => unknown, code: string, text: string) => {
      try {
        fn();
      } catch (error) {
        expect(isSslError(error), String(error)).toBe(true);
        expect((error as { code: string }).code).toBe(code);
        expect(String((error as Error).message)).toContain(text);
        return;
      }
      throw new Error(`expected an SslError ${code}`);
    };
    expectSslError(() => tf.env().set(ATTENTION_IMPL_FLAG, 'fast'), 'INVALID_ARGUMENT', 'depthwise');
    expectSslError(() => resolveAttentionImpl('fast' as AttentionImpl), 'INVALID_ARGUMENT', 'fast');
    tf.env().set(ATTENTION_IMPL_FLAG, 'auto');
    tf.tidy(() => {
      const x = tf.zeros([1, 2, 6]) as tf.Tensor3D;
      expectSslError(() => selfAttention(tf.zeros([2, 6]) as unknown as tf.Tensor3D, tf.zeros([6, 18]) as tf.Tensor2D, undefined, 2), 'INVALID_ARGUMENT', '[batch, tokens, dim]');
      expectSslError(() => selfAttention(x, tf.zeros([6, 18]) as tf.Tensor2D, undefined, 4), 'INVALID_ARGUMENT', 'dividing dim 6');
      expectSslError(() => selfAttention(x, tf.zeros([6, 12]) as tf.Tensor2D, undefined, 2), 'SHAPE_MISMATCH', '[6, 18]');
      expectSslError(() => selfAttention(x, tf.zeros([6, 18]) as tf.Tensor2D, tf.zeros([6]) as tf.Tensor1D, 2), 'SHAPE_MISMATCH', '[18]');
    });
  });
});
