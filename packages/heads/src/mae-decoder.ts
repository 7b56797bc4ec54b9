import * as tf from '@tensorflow/tfjs-core';
import {
  SslError,
  checkInteger,
  checkNumber,
  checkOptions,
  createRng,
  invalidArgument,
  type Module,
  type Parameter,
  type Rng,
} from '@selfsup/core';
import {
  createLayerNorm,
  createLinear,
  createTransformerBlock,
  makeVariable,
  truncatedNormal,
  uniformValues,
  type TransformerBlock,
} from '@selfsup/backbones';
import { sinCosPositionEmbedding } from './sin-cos-position-embedding.js';
import { restoreTokens } from './restore-tokens.js';

/** Options of {@link createMaeDecoder}. Defaults are MAE's ViT-B decoder (512 wide, 8 blocks, 16 heads). */
export interface MaeDecoderOptions {
  /** Width of the encoder's tokens (the ViT's `embedDim`). */
  embedDim: number;
  /** @defaultValue 512 */
  decoderEmbedDim?: number;
  /** Transformer blocks of the decoder. @defaultValue 8 */
  depth?: number;
  /** Attention heads; must divide `decoderEmbedDim`. @defaultValue 16 */
  headCount?: number;
  /** @defaultValue 4 */
  mlpRatio?: number;
  /** Side of the square images, in pixels. @defaultValue 224 */
  imageSize?: number;
  /** @defaultValue 16 */
  patchSize?: number;
  /** Image channels predicted per pixel. @defaultValue 3 */
  inChannels?: number;
  /** @defaultValue 1e-6 (MAE's) */
  layerNormEps?: number;
  /** Randomness for the initial weights; takes precedence over `seed`. */
  rng?: Rng;
  /**
   * Seed of the initial weights when no `rng` is given: Xavier-uniform linear weights, zero
   * biases, a normal (std 0.02) mask token, as MAE.
   * @defaultValue 0
   */
  seed?: number;
}

/** MAE's decoder with its configuration. */
export interface MaeDecoder extends Module {
  readonly config: Readonly<Required<Omit<MaeDecoderOptions, 'rng' | 'seed'>>>;
  /** Patches per image (`(imageSize / patchSize)^2`). */
  readonly patchCount: number;
  /**
   * Reconstructs every patch from the encoded kept patches.
   *
   * @param latent - `[batch, 1 + kept, embedDim]`: the encoder's [CLS] token then its kept patch tokens.
   * @param restoreIndices - `[batch, patchCount]` int32 (`ids_restore`): output patch `n` takes
   *   entry `restoreIndices[b, n]` of [kept tokens..., mask tokens...].
   * @returns `[batch, patchCount, patchSize * patchSize * inChannels]` pixel predictions per
   *   patch, each patch laid out `(row, column, channel)` like `patchify` of `@selfsup/losses`. The caller owns it.
   */
  decode(latent: tf.Tensor3D, restoreIndices: tf.Tensor2D): tf.Tensor3D;
}

/**
 * Creates the decoder of a masked autoencoder (He et al., 2022): the encoded kept tokens are
 * projected to the decoder width, a learned mask token is put at every removed patch (order
 * restored by `restoreIndices`), fixed 2-D sine-cosine position embeddings are added, and
 * transformer blocks, a LayerNorm and a linear pixel predictor follow; the [CLS] position is
 * dropped from the output. Parameters carry MAE's names (`decoder_embed.*`, `mask_token`,
 * `decoder_pos_embed` (not trainable), `decoder_blocks.i.*`, `decoder_norm.*`, `decoder_pred.*`).
 *
 * @example
 * ```ts
 * const vit = createVit({ preset: 'tiny', imageSize: 32, patchSize: 4, depth: 2 });
 * const decoder = createMaeDecoder({ embedDim: 192, decoderEmbedDim: 128, depth: 2, headCount: 4, imageSize: 32, patchSize: 4 });
 * // keep 16 of the 64 patches: the 16 first of a random order; ids_restore inverts the order
 * const order = createRng(0).permutation(64);
 * const restore = new Int32Array(64);
 * order.forEach((patch, position) => (restore[patch] = position));
 * const { classToken, patchTokens } = vit.encode(tf.randomUniform([1, 32, 32, 3]) as tf.Tensor4D, {
 *   keepIndices: tf.tensor2d(order.slice(0, 16), [1, 16], 'int32'),
 * });
 * const latent = tf.concat([tf.expandDims(classToken, 1), patchTokens], 1) as tf.Tensor3D; // [1, 17, 192]
 * const prediction = decoder.decode(latent, tf.tensor2d(restore, [1, 64], 'int32')); // [1, 64, 48]
 * ```
 */
export function createMaeDecoder(options: MaeDecoderOptions): MaeDecoder {
  const where = 'createMaeDecoder';
  checkOptions(`${where}(options)`, options);
  const embedDim = checkInteger(`${where}(options.embedDim)`, options.embedDim, 1);
  const decoderEmbedDim = checkInteger(`${where}(options.decoderEmbedDim)`, options.decoderEmbedDim ?? 512, 1);
  const depth = checkInteger(`${where}(options.depth)`, options.depth ?? 8, 0);
  const headCount = checkInteger(`${where}(options.headCount)`, options.headCount ?? 16, 1);
  const mlpRatio = checkNumber(`${where}(options.mlpRatio)`, options.mlpRatio ?? 4, Number.MIN_VALUE);
  const imageSize = checkInteger(`${where}(options.imageSize)`, options.imageSize ?? 224, 1);
  const patchSize = checkInteger(`${where}(options.patchSize)`, options.patchSize ?? 16, 1);
  const inChannels = checkInteger(`${where}(options.inChannels)`, options.inChannels ?? 3, 1);
  const layerNormEps = checkNumber(`${where}(options.layerNormEps)`, options.layerNormEps ?? 1e-6, 0);
  if (decoderEmbedDim % headCount !== 0) {
    throw invalidArgument({ argument: `${where}(options.headCount)`, expected: `a divisor of decoderEmbedDim (${decoderEmbedDim})`, actual: headCount });
  }
  if (decoderEmbedDim % 4 !== 0) {
    throw invalidArgument({ argument: `${where}(options.decoderEmbedDim)`, expected: 'a multiple of 4 (for the sine-cosine position embeddings)', actual: decoderEmbedDim });
  }
  if (imageSize % patchSize !== 0) {
    throw invalidArgument({ argument: `${where}(options.imageSize)`, expected: `a multiple of patchSize (${patchSize})`, actual: imageSize });
  }
  const gridSize = imageSize / patchSize;
  const patchCount = gridSize * gridSize;
  const patchDim = patchSize * patchSize * inChannels;
  const rng = options.rng ?? createRng(checkInteger(`${where}(options.seed)`, options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER));

  const embed = createLinear({ prefix: 'decoder_embed', inDim: embedDim, outDim: decoderEmbedDim, rng });
  const maskToken = makeVariable([1, 1, decoderEmbedDim], truncatedNormal(rng, decoderEmbedDim, 0.02));
  const positions = tf.tidy(() => tf.variable(tf.expandDims(sinCosPositionEmbedding(decoderEmbedDim, gridSize, { classToken: true }), 0), false));
  const blocks: TransformerBlock[] = [];
  for (let i = 0; i < depth; i++) {
    blocks.push(createTransformerBlock({ prefix: `decoder_blocks.${i}`, dim: decoderEmbedDim, headCount, mlpRatio, qkvBias: true, layerNormEps, rng }));
  }
  const norm = createLayerNorm({ prefix: 'decoder_norm', dim: decoderEmbedDim, eps: layerNormEps });
  const predictor = createLinear({ prefix: 'decoder_pred', inDim: decoderEmbedDim, outDim: patchDim, rng });
  const parameters: Parameter[] = [
    { name: 'mask_token', variable: maskToken, trainable: true },
    { name: 'decoder_pos_embed', variable: positions, trainable: false },
    ...embed.parameters(),
    ...blocks.flatMap((b) => b.parameters()),
    ...norm.parameters(),
    ...predictor.parameters(),
  ];
  // MAE initialises every Linear weight Xavier-uniform: U(+-sqrt(6 / (fan_in + fan_out))).
  for (const p of parameters) {
    if (p.torch && p.variable.rank === 2 && p.name.endsWith('.weight')) {
      const [fanIn, fanOut] = p.variable.shape as [number, number];
      const values = uniformValues(rng, fanIn * fanOut, Math.sqrt(6 / (fanIn + fanOut)));
      tf.tidy(() => p.variable.assign(tf.tensor2d(values, [fanIn, fanOut])));
    }
  }
  let disposed = false;

  function decode(latent: tf.Tensor3D, restoreIndices: tf.Tensor2D): tf.Tensor3D {
    if (disposed) throw new SslError('DISPOSED', 'maeDecoder.decode: this decoder was disposed; create a new one.');
    if (!(latent instanceof tf.Tensor) || latent.rank !== 3 || latent.shape[2] !== embedDim || latent.shape[1] < 1) {
      throw invalidArgument({
        argument: 'maeDecoder.decode(latent)',
        expected: `[batch, 1 + kept, ${embedDim}] (the [CLS] token first)`,
        actual: latent instanceof tf.Tensor ? latent.shape : latent,
        code: 'SHAPE_MISMATCH',
      });
    }
    const batch = latent.shape[0];
    if (!(restoreIndices instanceof tf.Tensor) || restoreIndices.rank !== 2 || restoreIndices.dtype !== 'int32' || restoreIndices.shape[0] !== batch || restoreIndices.shape[1] !== patchCount) {
      throw invalidArgument({
        argument: 'maeDecoder.decode(restoreIndices)',
        expected: `an int32 tensor [${batch}, ${patchCount}] (${gridSize}x${gridSize} patches)`,
        actual: restoreIndices instanceof tf.Tensor ? `${restoreIndices.dtype} [${restoreIndices.shape.join(', ')}]` : restoreIndices,
        code: 'SHAPE_MISMATCH',
        fix: "Pass MAE's ids_restore for images of the decoder's imageSize.",
      });
    }
    const kept = latent.shape[1] - 1;
    if (kept > patchCount) {
      throw invalidArgument({ argument: 'maeDecoder.decode(latent)', expected: `at most ${patchCount} kept tokens after [CLS]`, actual: latent.shape, code: 'SHAPE_MISMATCH' });
    }
    return tf.tidy('maeDecoder.decode', () => {
      const x = embed.apply(latent) as tf.Tensor3D; // [B, 1+K, D']
      const cls = tf.slice(x, [0, 0, 0], [batch, 1, decoderEmbedDim]);
      const patches = restoreTokens(tf.slice(x, [0, 1, 0], [batch, kept, decoderEmbedDim]), maskToken, restoreIndices); // [B, N, D']
      let h = tf.add(tf.concat([cls, patches], 1), positions) as tf.Tensor3D; // [B, 1+N, D']
      for (const block of blocks) h = block.apply(h);
      const out = predictor.apply(norm.apply(h)) as tf.Tensor3D; // [B, 1+N, p*p*C]
      return tf.slice(out, [0, 1, 0], [batch, patchCount, patchDim]);
    });
  }

  return {
    config: { embedDim, decoderEmbedDim, depth, headCount, mlpRatio, imageSize, patchSize, inChannels, layerNormEps },
    patchCount,
    parameters: () => parameters,
    decode,
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of parameters) p.variable.dispose();
    },
  };
}
