import * as tf from '@tensorflow/tfjs-core';
import { SslError, invalidArgument } from '@selfsup/core';
import { customOp } from './custom-op.js';
import { attentionHeadGradients, headLayout, mergeHeads, projectToHeads, projectionGradients, projections } from './attention-heads.js';

/**
 * The tfjs flag that selects how {@link selfAttention} computes its per-head products:
 * - `depthwise`: every batched product `[B*H, N, K] x [B*H, K, M]` is one depthwise convolution with
 *   `B*H` channels and a channel multiplier of `M` (XNNPACK runs it as a grouped GEMM, ~15x faster
 *   than the wasm backend's BatchMatMul, a scalar loop whenever batch > 1; on `cpu` it is slightly
 *   faster than batched matmuls too);
 * - `matmul`: batched matmuls (`tf.matMul` of rank 3), for backends whose BatchMatMul is fast
 *   (`tensorflow`, `webgl`, `webgpu`);
 * - `auto` (the default): `depthwise` on the `wasm` and `cpu` backends, `matmul` elsewhere.
 *
 * Both give the same values and gradients (to float rounding). `@selfsup/backend` or an application
 * may set it: `tf.env().set('SELFSUP_ATTENTION_IMPL', 'matmul')`.
 */
export const ATTENTION_IMPL_FLAG = 'SELFSUP_ATTENTION_IMPL';

/** The values of {@link ATTENTION_IMPL_FLAG}. */
export type AttentionImpl = 'auto' | 'depthwise' | 'matmul';

const IMPLS: readonly AttentionImpl[] = ['auto', 'depthwise', 'matmul'];

function checkImpl(value: unknown, argument: string): AttentionImpl {
  if (!IMPLS.includes(value as AttentionImpl)) {
    throw invalidArgument({
      argument,
      expected: `one of ${IMPLS.join(', ')}`,
      actual: value,
      fix: "Use 'auto' to let selfsup choose per backend.",
    });
  }
  return value as AttentionImpl;
}

function registerFlag(): void {
  const env = tf.env();
  // A second copy of this module in the process finds the flag registered already.
  if ((env as unknown as { flagRegistry: Record<string, unknown> }).flagRegistry[ATTENTION_IMPL_FLAG] !== undefined) return;
  env.registerFlag(ATTENTION_IMPL_FLAG, () => 'auto', (value) => {
    checkImpl(value, `tf.env().set('${ATTENTION_IMPL_FLAG}', value)`);
  });
}
registerFlag();

/**
 * The formulation {@link selfAttention} uses: `impl` (by default the {@link ATTENTION_IMPL_FLAG}
 * flag), with `auto` resolved for the active backend (`depthwise` on `wasm` and `cpu`, `matmul`
 * elsewhere).
 *
 * @throws SslError `INVALID_ARGUMENT` for an unknown value.
 */
export function resolveAttentionImpl(impl: AttentionImpl = tf.env().get(ATTENTION_IMPL_FLAG) as AttentionImpl): Exclude<AttentionImpl, 'auto'> {
  const checked = checkImpl(impl, `${ATTENTION_IMPL_FLAG} (attention formulation)`);
  if (checked !== 'auto') return checked;
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu' ? 'depthwise' : 'matmul';
}

/**
 * `out[i, c, m] = sum_k x[i, k, c] * f[k, c, m]` for every channel `c`: a batch of `C` matrix
 * products `[I, K] x [K, M]` as one depthwise convolution of the image `x` (`[1, I, K, C]`, height
 * I, width K) with the filter `f` (`[1, K, C, M]`, channel multiplier M), which XNNPACK runs as a
 * grouped GEMM. Returns `[I, C, M]`.
 */
function channelMatMul(x: tf.Tensor3D, f: tf.Tensor3D): tf.Tensor3D {
  const [k, c, m] = f.shape;
  const i = x.shape[0];
  // [1, I, K, C] * [1, K, C, M] -> [1, I, 1, C*M]
  const y = tf.depthwiseConv2d(tf.reshape(x, [1, i, k, c]) as tf.Tensor4D, tf.reshape(f, [1, k, c, m]) as tf.Tensor4D, 1, 'valid');
  return tf.reshape(y, [i, c, m]);
}

// Depthwise formulation. Rows are taken token-major (i, b) so that q, k, v come out of their
// projections as [N, B, H, Dh] = [tokens, channels c = (b, h), headDim]: the layout a depthwise
// filter [K, C, M] needs for v (forward) and for q, k (backward) without any transpose.
function depthwiseAttention(headCount: number, hasBias: boolean) {
  return customOp<tf.Tensor[]>((inputs, save) => {
    const [x, weight, bias] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D | undefined];
    const [batch, tokens, dim] = x.shape;
    const headDim = dim / headCount;
    const channels = batch * headCount;
    const scale = headDim ** -0.5;
    const project = projections(weight, hasBias ? bias : undefined, scale);
    // [B, N, D] -> [N, B, D] -> [N*B, D]
    const xt = tf.reshape(tf.transpose(x, [1, 0, 2]), [tokens * batch, dim]) as tf.Tensor2D;
    // [N*B, D] -> [N, C, Dh] (q already scaled by 1/sqrt(Dh))
    const q = tf.reshape(project.q(xt), [tokens, channels, headDim]) as tf.Tensor3D;
    const k = tf.reshape(project.k(xt), [tokens, channels, headDim]) as tf.Tensor3D;
    const v = tf.reshape(project.v(xt), [tokens, channels, headDim]) as tf.Tensor3D;
    // scores[i, c, j] = sum_d q[i, c, d] k[j, c, d]: x = q as [i, d, c], f = k as [d, c, j]
    const scores = channelMatMul(tf.transpose(q, [0, 2, 1]), tf.transpose(k, [2, 1, 0]));
    const p = tf.softmax(scores, -1) as tf.Tensor3D; // [i, c, j]
    // o[i, c, d] = sum_j p[i, c, j] v[j, c, d]: x = p as [i, j, c], f = v as [j, c, d]
    const o = channelMatMul(tf.transpose(p, [0, 2, 1]), v);
    save([xt, weight, q, k, v, p]);
    return {
      // [N, C, Dh] = [N, B, D] -> [B, N, D]
      value: tf.transpose(tf.reshape(o, [tokens, batch, dim]), [1, 0, 2]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, qs, ks, vs, ps] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        // [B, N, D] -> [N, B, D] = [i, c, d]
        const dO = tf.reshape(tf.transpose(dy, [1, 0, 2]), [tokens, channels, headDim]) as tf.Tensor3D;
        // dp[i, c, j] = sum_d dO[i, c, d] v[j, c, d]: x = dO as [i, d, c], f = v as [d, c, j]
        const dp = channelMatMul(tf.transpose(dO, [0, 2, 1]), tf.transpose(vs, [2, 1, 0]));
        // dv[j, c, d] = sum_i p[i, c, j] dO[i, c, d]: x = p as [j, i, c], f = dO as [i, c, d]
        const dv = channelMatMul(tf.transpose(ps, [2, 0, 1]), dO);
        // softmax backward: ds = p * (dp - sum_j(dp * p))
        const ds = tf.mul(ps, tf.sub(dp, tf.sum(tf.mul(dp, ps), -1, true))) as tf.Tensor3D;
        // dq[i, c, d] = sum_j ds[i, c, j] k[j, c, d]: x = ds as [i, j, c], f = k as [j, c, d]
        const dq = tf.mul(channelMatMul(tf.transpose(ds, [0, 2, 1]), ks), scale);
        // dk[j, c, d] = sum_i ds[i, c, j] q[i, c, d]: x = ds as [j, i, c], f = q as [i, c, d]
        const dk = channelMatMul(tf.transpose(ds, [2, 0, 1]), qs);
        // 3 x [N, C, Dh] -> [3, N*B, D] -> [N*B, 3, D] = [N*B, 3D], the packed layout [q | k | v]
        // with rows token-major like xs (a concat on axis 0 and a transpose beat a concat on axis 1)
        const rows = tokens * batch;
        const dqkv = tf.reshape(tf.transpose(tf.reshape(tf.concat([dq, dk, dv], 0), [3, rows, dim]), [1, 0, 2]), [rows, 3 * dim]) as tf.Tensor2D;
        const [dxt, ...rest] = projectionGradients(xs, ws, dqkv, hasBias);
        // [N*B, D] -> [N, B, D] -> [B, N, D]
        return [tf.transpose(tf.reshape(dxt!, [tokens, batch, dim]), [1, 0, 2]), ...rest];
      },
    };
  });
}

// Batched-matmul formulation, rows batch-major: q, k, v as [B*H, N, Dh] (attention-heads.ts).
function matmulAttention(headCount: number, hasBias: boolean) {
  return customOp<tf.Tensor[]>((inputs, save) => {
    const [x, weight, bias] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor1D | undefined];
    const [batch, tokens, dim] = x.shape;
    const layout = headLayout(batch, tokens, dim, headCount);
    const x2 = tf.reshape(x, [batch * tokens, dim]) as tf.Tensor2D;
    const { q, k, v } = projectToHeads(x2, weight, hasBias ? bias : undefined, layout);
    const p = tf.softmax(tf.matMul(q, k, false, true), -1) as tf.Tensor3D; // [B*H, N, N]
    save([x2, weight, q, k, v, p]);
    return {
      value: tf.reshape(mergeHeads(tf.matMul(p, v), layout), [batch, tokens, dim]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, qs, ks, vs, ps] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const { dqkv } = attentionHeadGradients(dy, qs, ks, vs, ps, layout);
        const [dx, ...rest] = projectionGradients(xs, ws, dqkv, hasBias);
        return [tf.reshape(dx!, [batch, tokens, dim]), ...rest];
      },
    };
  });
}

type AttentionOp = (...inputs: tf.Tensor[]) => tf.Tensor;
const ops = new Map<string, AttentionOp>();

function attentionOp(impl: 'depthwise' | 'matmul', headCount: number, hasBias: boolean): AttentionOp {
  const key = `${impl}/${headCount}/${hasBias}`;
  let op = ops.get(key);
  if (!op) {
    op = impl === 'depthwise' ? depthwiseAttention(headCount, hasBias) : matmulAttention(headCount, hasBias);
    ops.set(key, op);
  }
  return op;
}

/** Options of {@link selfAttention}. */
export interface SelfAttentionOptions {
  /**
   * The formulation; both give the same result.
   * @defaultValue the {@link ATTENTION_IMPL_FLAG} flag (`auto`: depthwise on wasm and cpu, matmul elsewhere)
   */
  impl?: AttentionImpl;
}

/**
 * Multi-head scaled dot-product self-attention from the packed `qkv` projection, heads concatenated
 * (before the output projection), as timm's ViT `Attention` up to `proj`:
 * `[q | k | v] = x W + b`, split into `headCount` heads of `headDim = dim / headCount`, then for each
 * image and head `softmax(q k^T / sqrt(headDim)) v`.
 *
 * It is one operation with a hand-written gradient (the softmax backward
 * `ds = p * (dp - sum_j dp * p)` and the four products `dp = dO v^T`, `dv = p^T dO`, `dq = ds k`,
 * `dk = ds^T q`), formulated for the fast kernels of the CPU backends (see
 * {@link ATTENTION_IMPL_FLAG}); the backward pass keeps only the projected input, q, k, v and the
 * attention weights.
 *
 * @param x - `[batch, tokens, dim]`.
 * @param qkvWeight - `[dim, 3 * dim]`, the columns laid out `[q heads | k heads | v heads]`.
 * @param qkvBias - `[3 * dim]`, or undefined for no bias.
 * @param headCount - Number of heads; must divide `dim`.
 * @returns `[batch, tokens, dim]`, heads concatenated. The caller owns it.
 * @throws SslError `INVALID_ARGUMENT` / `SHAPE_MISMATCH` for inconsistent shapes.
 *
 * @example
 * ```ts
 * const x = tf.randomNormal([2, 5, 8]) as tf.Tensor3D;
 * const w = tf.randomNormal([8, 24]) as tf.Tensor2D;
 * const heads = selfAttention(x, w, undefined, 2); // [2, 5, 8]
 * ```
 */
export function selfAttention(x: tf.Tensor3D, qkvWeight: tf.Tensor2D, qkvBias: tf.Tensor1D | undefined, headCount: number, options: SelfAttentionOptions = {}): tf.Tensor3D {
  if (!(x instanceof tf.Tensor) || x.rank !== 3) {
    throw invalidArgument({
      argument: 'selfAttention(x)',
      expected: 'a rank-3 tensor [batch, tokens, dim]',
      actual: x instanceof tf.Tensor ? x.shape : x,
      fix: 'Reshape the tokens to [batch, tokens, dim].',
    });
  }
  const dim = x.shape[2];
  if (!Number.isInteger(headCount) || headCount < 1 || dim % headCount !== 0) {
    throw invalidArgument({
      argument: 'selfAttention(headCount)',
      expected: `a positive integer dividing dim ${dim}`,
      actual: headCount,
      fix: 'Choose a head count that divides the embedding dimension (3 for ViT-Tiny, 6 for ViT-Small).',
    });
  }
  if (qkvWeight.rank !== 2 || qkvWeight.shape[0] !== dim || qkvWeight.shape[1] !== 3 * dim) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `selfAttention(qkvWeight): expected [${dim}, ${3 * dim}] ([dim, 3 * dim], stored [in, out]), got [${qkvWeight.shape.join(', ')}]. ` +
        'Pass the weight of the packed q, k, v projection (createLinear({ inDim: dim, outDim: 3 * dim }).weight); transpose a PyTorch [3 * dim, dim] weight.',
    );
  }
  if (qkvBias && (qkvBias.rank !== 1 || qkvBias.shape[0] !== 3 * dim)) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `selfAttention(qkvBias): expected [${3 * dim}] ([3 * dim]), got [${qkvBias.shape.join(', ')}]. Pass the bias of the packed projection, or undefined for none.`,
    );
  }
  const op = attentionOp(resolveAttentionImpl(options.impl), headCount, qkvBias !== undefined);
  return tf.tidy('selfAttention', () => (qkvBias ? op(x, qkvWeight, qkvBias) : op(x, qkvWeight)) as tf.Tensor3D);
}
