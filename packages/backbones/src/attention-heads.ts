import * as tf from '@tensorflow/tfjs-core';

// The batched-matmul parts shared by self-attention (ViT, `matmul` formulation) and window
// attention (Swin): the packed q/k/v projection, the split into heads as [B*H, N, Dh], and the
// backward products of softmax(q k^T + bias) v. Internal to @selfsup/backbones.

/** How the rows of a `[B*N, D]` input split into `B*H` heads of `[N, Dh]` (B: images or windows). */
export interface HeadLayout {
  readonly batch: number;
  readonly tokens: number;
  readonly headCount: number;
  /** `D / headCount`. */
  readonly headDim: number;
}

/** The layout of `[batch, tokens, dim]` with `headCount` heads. */
export function headLayout(batch: number, tokens: number, dim: number, headCount: number): HeadLayout {
  return { batch, tokens, headCount, headDim: dim / headCount };
}

/** The q, k, v weights and biases, the query ones multiplied by `scale`. */
export function projections(weight: tf.Tensor2D, bias: tf.Tensor1D | undefined, scale: number) {
  const [wq, wk, wv] = tf.split(weight, 3, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  const [bq, bk, bv] = bias ? (tf.split(bias, 3, 0) as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D]) : [undefined, undefined, undefined];
  const project = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | undefined): tf.Tensor2D => (b ? (tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D) : tf.matMul(x, w));
  return {
    q: (x: tf.Tensor2D) => project(x, tf.mul(wq, scale), bq ? (tf.mul(bq, scale) as tf.Tensor1D) : undefined),
    k: (x: tf.Tensor2D) => project(x, wk, bk),
    v: (x: tf.Tensor2D) => project(x, wv, bv),
  };
}

/** The gradients of the packed projection from `dqkv` (`[rows, 3D]`, rows in the order of `x`): dx, dW (and db). */
export function projectionGradients(x: tf.Tensor2D, weight: tf.Tensor2D, dqkv: tf.Tensor2D, hasBias: boolean): tf.Tensor[] {
  // Explicit rank-2 transposes feeding plain matmuls, the fast path of every backend.
  const dx = tf.matMul(dqkv, tf.transpose(weight));
  const dw = tf.matMul(tf.transpose(x), dqkv);
  return hasBias ? [dx, dw, tf.sum(dqkv, 0)] : [dx, dw];
}

/** `[B*N, D] -> [B, N, H, Dh] -> [B, H, N, Dh] -> [B*H, N, Dh]`. */
export function splitHeads(t: tf.Tensor2D, layout: HeadLayout): tf.Tensor3D {
  const { batch, tokens, headCount, headDim } = layout;
  return tf.reshape(tf.transpose(tf.reshape(t, [batch, tokens, headCount, headDim]), [0, 2, 1, 3]), [batch * headCount, tokens, headDim]);
}

/** `[B*H, N, Dh] -> [B, H, N, Dh] -> [B, N, H, Dh] -> [B*N, D]`, heads concatenated. */
export function mergeHeads(t: tf.Tensor, layout: HeadLayout): tf.Tensor2D {
  const { batch, tokens, headCount, headDim } = layout;
  return tf.reshape(tf.transpose(tf.reshape(t, [batch, headCount, tokens, headDim]), [0, 2, 1, 3]), [batch * tokens, headCount * headDim]);
}

/** q (scaled by `1/sqrt(Dh)`), k and v of `x` (`[B*N, D]`) by the packed projection, each `[B*H, N, Dh]`. */
export function projectToHeads(x: tf.Tensor2D, weight: tf.Tensor2D, bias: tf.Tensor1D | undefined, layout: HeadLayout) {
  const project = projections(weight, bias, layout.headDim ** -0.5);
  return { q: splitHeads(project.q(x), layout), k: splitHeads(project.k(x), layout), v: splitHeads(project.v(x), layout) };
}

/**
 * The backward pass of `o = softmax(s) v` with `s = q k^T (+ a bias)`, per head as batched matmuls:
 * `dp = dO v^T`, `dv = p^T dO`, the softmax backward `ds = p * (dp - sum_j dp * p)` (the gradient
 * of the scores, and so of any bias added to them), `dq = ds k / sqrt(Dh)` (q was scaled) and
 * `dk = ds^T q`.
 *
 * @param dy - the gradient of the heads' output, heads concatenated: any shape of `[B*N, D]` elements.
 * @returns `dqkv` (`[B*N, 3D]`, the packed layout `[q | k | v]`) and `ds` (`[B*H, N, N]`).
 */
export function attentionHeadGradients(dy: tf.Tensor, q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, p: tf.Tensor3D, layout: HeadLayout) {
  const { batch, tokens, headCount, headDim } = layout;
  const dO = splitHeads(tf.reshape(dy, [batch * tokens, headCount * headDim]), layout);
  const dp = tf.matMul(dO, v, false, true);
  const dv = tf.matMul(p, dO, true, false);
  const ds = tf.mul(p, tf.sub(dp, tf.sum(tf.mul(dp, p), -1, true))) as tf.Tensor3D;
  const dq = tf.mul(tf.matMul(ds, k), headDim ** -0.5);
  const dk = tf.matMul(ds, q, true, false);
  const dqkv = tf.concat([mergeHeads(dq, layout), mergeHeads(dk, layout), mergeHeads(dv, layout)], 1) as tf.Tensor2D;
  return { dqkv, ds };
}
