import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createRng } from '@selfsup/core';
import { expectClose, expectNoLeaks } from '@selfsup/testing';
import { createWindowAttention, windowAttention } from './window-attention.js';

function random(shape: number[], seed: number, scale = 1): tf.Tensor {
  const rng = createRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => scale * rng.normal()), shape);
}

/**
 * The official WindowAttention up to `proj`, differentiated by tfjs: qkv viewed [W, N, 3, H, Dh]
 * and permuted to [3, W, H, N, Dh]; q scaled by Dh^-0.5; attn = q k^T viewed [W/G, G, H, N, N] plus
 * the bias [G, H, N, N]; softmax; (attn v) back to [W, N, D].
 */
function reference(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | undefined, scoreBias: tf.Tensor, heads: number): tf.Tensor {
  const [windows, tokens, dim] = x.shape as [number, number, number];
  const positions = scoreBias.shape[0]!;
  const headDim = dim / heads;
  let qkv = tf.matMul(tf.reshape(x, [windows * tokens, dim]), w);
  if (b) qkv = tf.add(qkv, b);
  const [q, k, v] = tf.unstack(tf.transpose(tf.reshape(qkv, [windows, tokens, 3, heads, headDim]), [2, 0, 3, 1, 4])) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
  const scores = tf.matMul(tf.mul(q, headDim ** -0.5), k, false, true);
  const biased = tf.add(tf.reshape(scores, [windows / positions, positions, heads, tokens, tokens]), scoreBias);
  const weights = tf.softmax(tf.reshape(biased, [windows, heads, tokens, tokens]), -1);
  return tf.reshape(tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]), [windows, tokens, dim]);
}

describe('windowAttention', () => {
  it('gives the value and the gradients (x, weight, bias, score bias) of the plain formula', async () => {
    const cases: [windows: number, tokens: number, dim: number, heads: number, positions: number, bias: boolean][] = [
      [1, 1, 2, 1, 1, true],
      [4, 4, 6, 3, 1, false],
      [6, 9, 8, 2, 3, true],
      [8, 16, 12, 4, 4, true],
    ];
    for (const [windows, tokens, dim, heads, positions, bias] of cases) {
      const label = `W${windows} N${tokens} D${dim} H${heads} G${positions}${bias ? ' bias' : ''}`;
      const x = random([windows, tokens, dim], 1) as tf.Tensor3D;
      const w = random([dim, 3 * dim], 2, 0.5) as tf.Tensor2D;
      const b = bias ? (random([3 * dim], 3, 0.5) as tf.Tensor1D) : undefined;
      const scoreBias = random([positions, heads, tokens, tokens], 4) as tf.Tensor4D;
      const dy = random([windows, tokens, dim], 5);
      const inputs = b ? [x, w, scoreBias, b] : [x, w, scoreBias];
      const ours = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(windowAttention(t[0] as tf.Tensor3D, t[1] as tf.Tensor2D, t[3] as tf.Tensor1D | undefined, t[2] as tf.Tensor4D, heads), dy)));
      const plain = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(reference(t[0]!, t[1]!, t[3], t[2]!, heads), dy)));
      expectClose(windowAttention(x, w, b, scoreBias, heads), reference(x, w, b, scoreBias, heads), { rtol: 1e-5, atol: 1e-6 }, `${label} value`);
      const [got, want] = [ours(inputs), plain(inputs)];
      ['x', 'weight', 'scoreBias', 'bias'].slice(0, inputs.length).forEach((name, i) => expectClose(got[i]!, want[i]!, { rtol: 1e-4, atol: 1e-5 }, `${label} d${name}`));
    }
  });

  it('refuses a score bias that does not fit the windows', () => {
    const x = tf.zeros([4, 4, 4]) as tf.Tensor3D;
    const w = tf.zeros([4, 12]) as tf.Tensor2D;
    expect(() => windowAttention(x, w, undefined, tf.zeros([3, 2, 4, 4]) as tf.Tensor4D, 2)).toThrow(/score bias \[G, 2, 4, 4\] with G dividing 4.*got a score bias \[3, 2, 4, 4\]/);
    expect(() => windowAttention(x, w, undefined, tf.zeros([1, 2, 3, 3]) as tf.Tensor4D, 2)).toThrow(/SHAPE_MISMATCH|score bias/);
  });
});

describe('createWindowAttention', () => {
  it('has the official names, a computed relative_position_index buffer and a trainable bias table', () => {
    const attention = createWindowAttention({ prefix: 'layers.0.blocks.0.attn', dim: 8, headCount: 2, windowSize: 3, rng: createRng(0) });
    const summary = attention.parameters().map((p) => [p.name, p.variable.shape, p.trainable]);
    expect(summary).toEqual([
      ['layers.0.blocks.0.attn.relative_position_bias_table', [25, 2], true],
      ['layers.0.blocks.0.attn.relative_position_index', [9, 9], false],
      ['layers.0.blocks.0.attn.qkv.weight', [8, 24], true],
      ['layers.0.blocks.0.attn.qkv.bias', [24], true],
      ['layers.0.blocks.0.attn.proj.weight', [8, 8], true],
      ['layers.0.blocks.0.attn.proj.bias', [8], true],
    ]);
    for (const p of attention.parameters()) p.variable.dispose();
  });

  it('adds the bias table entry of each token pair: a table that favours one offset moves attention there', async () => {
    // One 2x2 window, q = k = 0 (zero q, k weights) and v = x: without a bias every token averages
    // the window. Token i attending to token j reads table row (y_i - y_j + 1) * 3 + (x_i - x_j + 1);
    // row 3 is (dy, dx) = (0, -1): token 0 (0,0) to token 1 (0,1), and token 2 (1,0) to token 3 (1,1).
    // A bias of 50 there makes token 0 copy token 1 (2) and token 2 copy token 3 (4); tokens 1 and 3
    // have no neighbour at that offset and still average (1 + 2 + 3 + 4) / 4 = 2.5.
    const attention = createWindowAttention({ prefix: 'attn', dim: 2, headCount: 1, windowSize: 2, rng: createRng(0) });
    const [table, , qkvWeight, qkvBias, projWeight, projBias] = attention.parameters().map((p) => p.variable);
    tf.tidy(() => {
      qkvWeight!.assign(tf.concat([tf.zeros([2, 4]), tf.eye(2)], 1));
      qkvBias!.assign(tf.zeros([6]));
      projWeight!.assign(tf.eye(2));
      projBias!.assign(tf.zeros([2]));
      table!.assign(tf.tensor2d([0, 0, 0, 50, 0, 0, 0, 0, 0], [9, 1]));
    });
    const x = tf.tensor3d([[[1, 0], [2, 0], [3, 0], [4, 0]]]);
    const out = attention.apply(x);
    expectClose(tf.slice(out, [0, 0, 0], [1, 4, 1]), [2, 2.5, 4, 2.5], { rtol: 1e-5, atol: 1e-5 });
    await expectNoLeaks(() => attention.apply(x), 'apply');
    tf.dispose([x, out]);
    for (const p of attention.parameters()) p.variable.dispose();
  });
});
