import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkOptions, type Parameter, type Rng } from '@selfsup/core';
import { customOp } from './custom-op.js';
import { makeVariable, truncatedNormal } from './init.js';
import { createLinear } from './linear.js';
import { attentionHeadGradients, headLayout, mergeHeads, projectToHeads, projectionGradients } from './attention-heads.js';
import { relativePositionIndex } from './swin-windows.js';

// Multi-head attention inside windows with an additive score bias, as one op with a hand-written
// gradient, formulated as batched matmuls over [windows * heads, N, N] (the windows of every image
// are in the batch dimension; the parts are self-attention's, attention-heads.ts). The bias is
// [G, H, N, N] for G window positions (the shift mask differs per window, the relative position
// bias does not); windows are ordered image-major, so window i uses bias row i mod G.
function windowAttentionOp(headCount: number, hasBias: boolean) {
  return customOp<tf.Tensor[]>((inputs, save) => {
    const [x, weight, scoreBias, bias] = inputs as [tf.Tensor3D, tf.Tensor2D, tf.Tensor4D, tf.Tensor1D | undefined];
    const [windows, tokens, dim] = x.shape;
    const positions = scoreBias.shape[0];
    const groups = windows / positions;
    const layout = headLayout(windows, tokens, dim, headCount);
    const x2 = tf.reshape(x, [windows * tokens, dim]) as tf.Tensor2D;
    const { q, k, v } = projectToHeads(x2, weight, hasBias ? bias : undefined, layout);
    // scores [W*H, N, N] -> [W/G, G*H, N, N] + bias [1, G*H, N, N]
    const scores = tf.add(tf.reshape(tf.matMul(q, k, false, true), [groups, positions * headCount, tokens, tokens]), tf.reshape(scoreBias, [1, positions * headCount, tokens, tokens]));
    const p = tf.softmax(tf.reshape(scores, [windows * headCount, tokens, tokens]), -1) as tf.Tensor3D;
    save([x2, weight, q, k, v, p]);
    return {
      value: tf.reshape(mergeHeads(tf.matMul(p, v), layout), [windows, tokens, dim]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ws, qs, ks, vs, ps] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
        const { dqkv, ds } = attentionHeadGradients(dy, qs, ks, vs, ps, layout);
        const [dx, dWeight, dBias] = projectionGradients(xs, ws, dqkv, hasBias);
        // ds is the gradient of the biased scores: [W*H, N, N] -> [W/G, G*H, N, N] summed over images -> [G, H, N, N]
        const dScoreBias = tf.reshape(tf.sum(tf.reshape(ds, [groups, positions * headCount, tokens, tokens]), 0), scoreBias.shape);
        const dxWindows = tf.reshape(dx!, [windows, tokens, dim]);
        return hasBias ? [dxWindows, dWeight!, dScoreBias, dBias!] : [dxWindows, dWeight!, dScoreBias];
      },
    };
  });
}

type WindowAttentionOp = (...inputs: tf.Tensor[]) => tf.Tensor;
const ops = new Map<string, WindowAttentionOp>();

/**
 * Multi-head self-attention inside each window from the packed `qkv` projection, with an additive
 * bias on the scores (heads concatenated, before the output projection): for each window and head
 * `softmax(q k^T / sqrt(headDim) + bias) v`, as the official Swin `WindowAttention` up to `proj`.
 * One op with a hand-written gradient (also for the bias), as batched matmuls.
 *
 * @param windows - `[images * G', tokens, dim]`, the windows of each image consecutive.
 * @param qkvWeight - `[dim, 3 * dim]`, columns `[q heads | k heads | v heads]`.
 * @param qkvBias - `[3 * dim]`, or undefined.
 * @param scoreBias - `[G, heads, tokens, tokens]`, added to the scores of window `i` at row `i mod G`
 *   (G = 1: the same for every window; G = windows per image: one per window position).
 * @param headCount - Number of heads; must divide `dim`.
 * @returns `[windows, tokens, dim]`. The caller owns it.
 */
export function windowAttention(windows: tf.Tensor3D, qkvWeight: tf.Tensor2D, qkvBias: tf.Tensor1D | undefined, scoreBias: tf.Tensor4D, headCount: number): tf.Tensor3D {
  const [count, tokens, dim] = windows.shape;
  const [positions, heads, rows, columns] = scoreBias.shape;
  if (dim % headCount !== 0 || heads !== headCount || rows !== tokens || columns !== tokens || count % positions !== 0) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `windowAttention: windows [${windows.shape.join(', ')}] with ${headCount} heads need a score bias [G, ${headCount}, ${tokens}, ${tokens}] with G dividing ${count}, ` +
        `and heads dividing ${dim}; got a score bias [${scoreBias.shape.join(', ')}].`,
    );
  }
  const key = `${headCount}/${qkvBias !== undefined}`;
  let op = ops.get(key);
  if (!op) ops.set(key, (op = windowAttentionOp(headCount, qkvBias !== undefined)));
  const f = op;
  return tf.tidy('windowAttention', () => (qkvBias ? f(windows, qkvWeight, scoreBias, qkvBias) : f(windows, qkvWeight, scoreBias)) as tf.Tensor3D);
}

/** Options of {@link createWindowAttention}. */
export interface WindowAttentionOptions {
  /** PyTorch name prefix (`layers.0.blocks.1.attn`). */
  prefix: string;
  dim: number;
  headCount: number;
  /** The side of a square window. */
  windowSize: number;
  /** @defaultValue true */
  qkvBias?: boolean;
  rng: Rng;
}

/** The official Swin `WindowAttention`: attention in windows with a learned relative position bias. */
export interface WindowAttention {
  parameters(): Parameter[];
  /**
   * `[images * windows, N, dim] -> [images * windows, N, dim]` (`N = windowSize^2`), with an
   * optional `[windows, N, N]` mask added to the scores of each image's windows (0 or -100, the
   * shifted-window mask). The caller owns the result.
   */
  apply(windows: tf.Tensor3D, mask?: tf.Tensor3D): tf.Tensor3D;
}

/**
 * Creates window attention with PyTorch names: `relative_position_bias_table`
 * (`[(2w-1)^2, heads]`, truncated normal 0.02), the buffer `relative_position_index` (`[N, N]`,
 * computed, not trainable; kept for state dicts, the computed index is what `apply` uses),
 * `qkv.*` and `proj.*`.
 */
export function createWindowAttention(options: WindowAttentionOptions): WindowAttention {
  const { prefix, dim, headCount, windowSize, qkvBias = true, rng } = checkOptions('createWindowAttention(options)', options);
  const tokens = windowSize * windowSize;
  const tableRows = (2 * windowSize - 1) ** 2;
  const table = makeVariable([tableRows, headCount], truncatedNormal(rng, tableRows * headCount, 0.02));
  const index = relativePositionIndex(windowSize);
  const indexBuffer = makeVariable([tokens, tokens], Float32Array.from(index), false);
  const qkv = createLinear({ prefix: `${prefix}.qkv`, inDim: dim, outDim: 3 * dim, bias: qkvBias, rng });
  const proj = createLinear({ prefix: `${prefix}.proj`, inDim: dim, outDim: dim, rng });
  return {
    parameters: () => [
      { name: `${prefix}.relative_position_bias_table`, variable: table, trainable: true },
      { name: `${prefix}.relative_position_index`, variable: indexBuffer, trainable: false, buffer: 'computed' },
      ...qkv.parameters(),
      ...proj.parameters(),
    ],
    apply: (windows, mask) =>
      tf.tidy('windowAttention', () => {
        // table [(2w-1)^2, H] gathered at [N*N] -> [N, N, H] -> [H, N, N] -> [1, H, N, N]
        const positionBias = tf.transpose(tf.reshape(tf.gather(table, tf.tensor1d(index, 'int32')), [tokens, tokens, headCount]), [2, 0, 1]);
        const scoreBias = mask
          ? tf.add(tf.expandDims(positionBias, 0), tf.expandDims(mask, 1)) // + [windows, 1, N, N] -> [windows, H, N, N]
          : tf.expandDims(positionBias, 0);
        const heads = windowAttention(windows, qkv.weight as tf.Tensor2D, qkv.bias as tf.Tensor1D | undefined, scoreBias as tf.Tensor4D, headCount);
        return proj.apply(heads) as tf.Tensor3D;
      }),
  };
}
