import * as tf from '@tensorflow/tfjs-core';
import {
  SslError,
  checkInteger,
  checkNotDisposed,
  checkNumber,
  checkOptions,
  checkShape,
  createRng,
  invalidArgument,
  type Backbone,
  type BackboneFeatures,
  type EncodeOptions,
  type Parameter,
  type Rng,
} from '@selfsup/core';
import { createLayerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { checkNhwcImages } from './nhwc-images.js';
import { createTransformerBlock, type TransformerBlock } from './transformer-block.js';
import { makeVariable, truncatedNormal, uniformValues } from './init.js';
import { resamplePositionEmbedding } from './position-embedding.js';
import { VIT_PRESETS, type VitPresetName } from './vit-presets.js';
import { VIT_MAX_PARAMETERS, vitParameterCount } from './vit-parameter-count.js';
import { vitLayerIndex } from './vit-layer-index.js';
import { vitTimmDescription, vitTimmName } from './vit-timm.js';
import { vitAttentionProbabilities } from './vit-attention-probabilities.js';

/** Options of {@link createVit}. Sizes default to the preset's, and the preset to `small`. */
export interface VitOptions {
  /**
   * A named size; explicit `embedDim`, `depth` and `headCount` override it.
   * @defaultValue 'small'
   */
  preset?: VitPresetName;
  /**
   * The image size the position embeddings are made for (other sizes are resampled bicubically);
   * a number for square images or `[height, width]`.
   * @defaultValue 224
   */
  imageSize?: number | readonly [number, number];
  /** @defaultValue 16 */
  patchSize?: number;
  /**
   * Image channels: 3 for RGB, 1 for grayscale.
   * @defaultValue 3
   */
  inChannels?: number;
  /** @defaultValue the preset's (384 for small) */
  embedDim?: number;
  /** Number of transformer blocks. @defaultValue the preset's (12 for small) */
  depth?: number;
  /** Attention heads; must divide `embedDim`. @defaultValue the preset's (6 for small) */
  headCount?: number;
  /** MLP width as a multiple of `embedDim`. @defaultValue 4 */
  mlpRatio?: number;
  /** @defaultValue true */
  qkvBias?: boolean;
  /** @defaultValue 1e-6 */
  layerNormEps?: number;
  /**
   * Stochastic depth: the drop probability grows linearly from 0 (first block) to this (last block).
   * @defaultValue 0
   */
  dropPathRate?: number;
  /**
   * Initial value of layer scale (`gamma_1`, `gamma_2` per block); 0 disables it.
   * @defaultValue 0
   */
  layerScaleInit?: number;
  /**
   * A learned `masked_embed` that replaces masked patches (`tokenMask`), as iBOT's ViT has. Turn
   * off to load timm checkpoints strictly.
   * @defaultValue true
   */
  maskToken?: boolean;
  /**
   * Seed of the initial weights (truncated normal 0.02 for linear layers, position embeddings and
   * [CLS]; PyTorch's default uniform for the patch projection).
   * @defaultValue 0
   */
  seed?: number;
}

/** A Vision Transformer (iBOT/DINO/timm layout) with its configuration. */
export interface Vit extends Backbone {
  readonly arch: 'vit';
  /** The resolved configuration. */
  readonly config: Readonly<Required<Omit<VitOptions, 'preset' | 'imageSize' | 'seed'>> & { imageSize: readonly [number, number] }>;
  /** Patches along height and width at the configured image size. */
  readonly gridSize: readonly [number, number];
  /**
   * The last block's attention probabilities per head, `[batch, headCount, 1 + h*w, 1 + h*w]`
   * (token 0 is [CLS]; DINO's `get_last_selfattention`), in inference mode. The caller owns it.
   * @throws SslError `NOT_SUPPORTED` for a ViT of depth 0.
   */
  lastSelfAttention(images: tf.Tensor4D): tf.Tensor4D;
}

/**
 * The input-size rule of a ViT: height and width are positive multiples of the patch size.
 * @throws SslError `INVALID_ARGUMENT` naming `argument`, the size and a size that works.
 */
function checkVitInputSize(patchSize: number, height: number, width: number, argument: string): void {
  for (const [name, size] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(size) || size < patchSize || size % patchSize !== 0) {
      throw invalidArgument({
        argument: `${argument} ${name}`,
        expected: `a positive multiple of the ViT's patchSize (${patchSize})`,
        actual: size,
        fix: `Crop or resize to a multiple of ${patchSize}, such as ${Math.max(patchSize, Math.round(size / patchSize) * patchSize)}.`,
      });
    }
  }
}

type VitConfig = Vit['config'];

/** The learned weights of a ViT, in the order they are drawn from the seed. */
interface VitWeights {
  /** `cls_token`, `[1, 1, D]`. */
  readonly clsToken: tf.Variable;
  /** `pos_embed`, `[1, 1 + N, D]` on the configured (square) grid. */
  readonly posEmbed: tf.Variable;
  /** `masked_embed`, `[1, D]`, when `maskToken`. */
  readonly maskedEmbed: tf.Variable | undefined;
  /** `patch_embed.proj`: `[p*p*C, D]` and `[D]`. */
  readonly patchWeight: tf.Variable;
  readonly patchBias: tf.Variable;
  readonly blocks: readonly TransformerBlock[];
  readonly norm: ReturnType<typeof createLayerNorm>;
}

function resolveImageSize(value: VitOptions['imageSize']): [number, number] {
  const size = value ?? 224;
  if (typeof size === 'number') return [checkInteger('createVit(options.imageSize)', size, 1), size];
  if (!Array.isArray(size) || size.length !== 2) {
    throw invalidArgument({ argument: 'createVit(options.imageSize)', expected: 'a positive integer or [height, width]', actual: size });
  }
  return [checkInteger('createVit(options.imageSize[0])', size[0], 1), checkInteger('createVit(options.imageSize[1])', size[1], 1)];
}

/** Validates the options and fills in the defaults (explicit sizes over the preset's). */
function resolveVitConfig(options: VitOptions): VitConfig {
  const preset = options.preset ?? 'small';
  if (typeof preset !== 'string' || !Object.hasOwn(VIT_PRESETS, preset)) {
    throw invalidArgument({ argument: 'createVit(options.preset)', expected: `one of ${Object.keys(VIT_PRESETS).join(', ')}`, actual: preset });
  }
  const base = VIT_PRESETS[preset];
  const imageSize = resolveImageSize(options.imageSize);
  const patchSize = checkInteger('createVit(options.patchSize)', options.patchSize ?? 16, 1);
  const inChannels = checkInteger('createVit(options.inChannels)', options.inChannels ?? 3, 1);
  const embedDim = checkInteger('createVit(options.embedDim)', options.embedDim ?? base.embedDim, 1);
  const depth = checkInteger('createVit(options.depth)', options.depth ?? base.depth, 0);
  const headCount = checkInteger('createVit(options.headCount)', options.headCount ?? base.headCount, 1);
  const mlpRatio = checkNumber('createVit(options.mlpRatio)', options.mlpRatio ?? 4, Number.MIN_VALUE);
  const layerNormEps = checkNumber('createVit(options.layerNormEps)', options.layerNormEps ?? 1e-6, 0);
  const dropPathRate = checkNumber('createVit(options.dropPathRate)', options.dropPathRate ?? 0, 0, 1);
  const layerScaleInit = checkNumber('createVit(options.layerScaleInit)', options.layerScaleInit ?? 0, 0);
  const qkvBias = options.qkvBias ?? true;
  const maskToken = options.maskToken ?? true;
  if (embedDim % headCount !== 0) {
    throw invalidArgument({
      argument: 'createVit(options.headCount)',
      expected: `a divisor of embedDim (${embedDim})`,
      actual: headCount,
      fix: 'Choose headCount so that embedDim / headCount is an integer.',
    });
  }
  return {
    imageSize,
    patchSize,
    inChannels,
    embedDim,
    depth,
    headCount,
    mlpRatio,
    qkvBias,
    layerNormEps,
    dropPathRate,
    layerScaleInit,
    maskToken,
  };
}

/**
 * The patch grid of the configured image size: a multiple of the patch size, and square (the
 * position embeddings are stored on a square grid, as the official code).
 */
function configuredGrid(config: VitConfig): [number, number] {
  const { imageSize, patchSize } = config;
  for (const [name, size] of [
    ['height', imageSize[0]],
    ['width', imageSize[1]],
  ] as const) {
    if (size % patchSize !== 0) {
      throw invalidArgument({
        argument: `createVit(options.imageSize) ${name}`,
        expected: `a multiple of patchSize (${patchSize})`,
        actual: size,
        fix: `Use an image size such as ${Math.max(patchSize, Math.round(size / patchSize) * patchSize)}.`,
      });
    }
  }
  const gridHeight = imageSize[0] / patchSize;
  const gridWidth = imageSize[1] / patchSize;
  if (gridHeight !== gridWidth) {
    throw new SslError(
      'NOT_SUPPORTED',
      `createVit(options.imageSize): position embeddings are stored on a square grid (as the official code), got ${gridHeight}x${gridWidth} patches. ` +
        'Configure a square imageSize; non-square inputs are still accepted by encode (the embeddings are resampled).',
    );
  }
  return [gridHeight, gridWidth];
}

/** Refuses sizes over {@link VIT_MAX_PARAMETERS} before any weight is drawn. */
function checkParameterBudget(config: VitConfig): void {
  const parameterCount = vitParameterCount(config);
  if (!(parameterCount <= VIT_MAX_PARAMETERS)) {
    const { embedDim, depth, mlpRatio, imageSize, patchSize, inChannels } = config;
    throw invalidArgument({
      argument: 'createVit(options)',
      expected: `at most ${VIT_MAX_PARAMETERS} parameters (VIT_MAX_PARAMETERS)`,
      actual: `${parameterCount.toExponential(3)} parameters for embedDim ${embedDim}, depth ${depth}, mlpRatio ${mlpRatio}, ` +
        `imageSize ${imageSize[0]}x${imageSize[1]}, patchSize ${patchSize}, inChannels ${inChannels}`,
      fix: 'Use smaller sizes, e.g. a preset (tiny, small, base, large).',
    });
  }
}

/**
 * Draws the weights from `rng`, in the official order: truncated normal 0.02 for `cls_token` and
 * `pos_embed`, zeros for `masked_embed`, PyTorch's Conv2d default uniform for the patch
 * projection, then the blocks (stochastic depth growing linearly to `dropPathRate`) and the norm.
 */
function createVitWeights(config: VitConfig, patchCount: number, rng: Rng): VitWeights {
  const { patchSize, inChannels, embedDim, depth, headCount, mlpRatio, qkvBias, layerNormEps, dropPathRate, layerScaleInit, maskToken } = config;
  const patchDim = patchSize * patchSize * inChannels;
  const clsToken = makeVariable([1, 1, embedDim], truncatedNormal(rng, embedDim, 0.02));
  const posEmbed = makeVariable([1, patchCount + 1, embedDim], truncatedNormal(rng, (patchCount + 1) * embedDim, 0.02));
  const maskedEmbed = maskToken ? makeVariable([1, embedDim], 0) : undefined;
  // PyTorch's Conv2d default init: uniform(+-1/sqrt(fan_in)) for weight and bias.
  const bound = 1 / Math.sqrt(patchDim);
  const patchWeight = makeVariable([patchDim, embedDim], uniformValues(rng, patchDim * embedDim, bound));
  const patchBias = makeVariable([embedDim], uniformValues(rng, embedDim, bound));
  const blocks: TransformerBlock[] = [];
  for (let i = 0; i < depth; i++) {
    blocks.push(
      createTransformerBlock({
        prefix: `blocks.${i}`,
        dim: embedDim,
        headCount,
        mlpRatio,
        qkvBias,
        layerNormEps,
        dropPath: depth > 1 ? (dropPathRate * i) / (depth - 1) : 0,
        layerScaleInit,
        rng,
      }),
    );
  }
  const norm = createLayerNorm({ prefix: 'norm', dim: embedDim, eps: layerNormEps });
  return { clsToken, posEmbed, maskedEmbed, patchWeight, patchBias, blocks, norm };
}

/** The weights under their PyTorch (iBOT/DINO/timm) names, in state-dict order. */
function vitParameters(config: VitConfig, weights: VitWeights): Parameter[] {
  const { embedDim, inChannels, patchSize } = config;
  return [
    { name: 'cls_token', variable: weights.clsToken, trainable: true },
    { name: 'pos_embed', variable: weights.posEmbed, trainable: true },
    ...(weights.maskedEmbed ? [{ name: 'masked_embed', variable: weights.maskedEmbed, trainable: true }] : []),
    {
      name: 'patch_embed.proj.weight',
      variable: weights.patchWeight,
      // PyTorch [dim, C, p, p] -> [p, p, C, dim] -> ours [p*p*C, dim] (rows ordered y, x, channel like our patches)
      torch: { shape: [embedDim, inChannels, patchSize, patchSize], perm: [2, 3, 1, 0] },
      trainable: true,
    },
    { name: 'patch_embed.proj.bias', variable: weights.patchBias, trainable: true },
    ...weights.blocks.flatMap((b) => b.parameters()),
    ...weights.norm.parameters(),
  ];
}

/**
 * Checks the images of `vit.encode`: rank-4 NHWC with the configured channels, sides multiples of
 * the patch size. Returns `[batch, h, w]` in patches.
 */
function checkVitImages(config: VitConfig, images: tf.Tensor4D): [number, number, number] {
  const { inChannels, patchSize } = config;
  const [batch, height, width] = checkNhwcImages(
    { owner: 'vit.encode', model: 'ViT', inChannels, looksNchw: ([, h, , c]) => c === patchSize || h === inChannels },
    images,
  );
  if (height % patchSize !== 0 || width % patchSize !== 0) {
    throw invalidArgument({
      argument: 'vit.encode(images)',
      expected: `height and width that are multiples of patchSize (${patchSize})`,
      actual: [height, width],
      fix: `Crop or resize the images to a multiple of ${patchSize}.`,
    });
  }
  return [batch, height / patchSize, width / patchSize];
}

/**
 * Checks `tokenMask` (`[batch, h*w]`, needs the mask token) and `keepIndices` (int32
 * `[batch, kept]`), of which at most one is given.
 */
function checkVitEncodeOptions(options: EncodeOptions, hasMaskToken: boolean, batch: number, h: number, w: number): void {
  const { tokenMask, keepIndices } = options;
  checkNotDisposed('vit.encode(options.tokenMask)', tokenMask);
  checkNotDisposed('vit.encode(options.keepIndices)', keepIndices);
  if (tokenMask && keepIndices) {
    throw new SslError(
      'INVALID_ARGUMENT',
      'vit.encode(options): got both tokenMask and keepIndices. Pass tokenMask to replace masked patches by the mask token (iBOT, BEiT), or keepIndices to encode only kept patches (MAE), not both.',
    );
  }
  if (tokenMask) {
    checkShape('vit.encode(options.tokenMask)', tokenMask.shape, [batch, h * w], `[batch, patches] for ${h}x${w} patches`);
    if (!hasMaskToken) {
      throw new SslError('INVALID_ARGUMENT', 'vit.encode(options.tokenMask): this ViT was created with maskToken: false. Create it with maskToken: true to use masks.');
    }
  }
  if (keepIndices) {
    if (keepIndices.rank !== 2 || keepIndices.shape[0] !== batch || keepIndices.dtype !== 'int32') {
      throw new SslError(
        'SHAPE_MISMATCH',
        `vit.encode(options.keepIndices): expected an int32 tensor [${batch}, kept], got ${keepIndices.dtype} [${keepIndices.shape.join(', ')}].`,
      );
    }
  }
}

/** NHWC images `[B, H, W, C]` -> patch embeddings `[B, h*w, D]` (the conv with kernel = stride = patch). */
function embedPatches(config: VitConfig, weights: VitWeights, images: tf.Tensor4D, h: number, w: number): tf.Tensor3D {
  const { patchSize, inChannels, embedDim } = config;
  const batch = images.shape[0];
  const n = h * w;
  // Patchify NHWC: [B, H, W, C] -> [B*h, p, w, p*C] -> [B*h, w, p, p*C] -> [B*N, p*p*C]
  const rows = tf.reshape(images, [batch * h, patchSize, w, patchSize * inChannels]);
  const patches = tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [batch * n, patchSize * patchSize * inChannels]) as tf.Tensor2D;
  // [B*N, p*p*C] x [p*p*C, D] -> [B*N, D] -> [B, N, D]
  return tf.reshape(linear(patches, weights.patchWeight as tf.Tensor2D, weights.patchBias as tf.Tensor1D), [batch, n, embedDim]) as tf.Tensor3D;
}

/** `x + m * (masked_embed - x)` with `m` the 0/1 `tokenMask` `[B, N]`: masked patches become the mask token. */
function replaceMasked(x: tf.Tensor3D, tokenMask: tf.Tensor2D, maskedEmbed: tf.Variable): tf.Tensor3D {
  // [B, N] -> [B, N, 1]
  const m = tf.expandDims(tf.cast(tokenMask, 'float32'), 2);
  return tf.add(x, tf.mul(m, tf.sub(maskedEmbed, x)));
}

/**
 * The position table `[1 + h*w, D]` for an `h` x `w` patch grid: the stored one on the configured
 * grid, else its patch rows resampled bicubically (the official `interpolate_pos_encoding`).
 */
function positionEmbedding(config: VitConfig, posEmbed: tf.Variable, grid: readonly [number, number], h: number, w: number): tf.Tensor2D {
  const { embedDim } = config;
  const [gridHeight, gridWidth] = grid;
  const patchCount = gridHeight * gridWidth;
  // [1, 1+N, D] -> [1+N, D]
  const table = tf.reshape(posEmbed, [patchCount + 1, embedDim]);
  if (h === gridHeight && w === gridWidth) return table as tf.Tensor2D;
  const clsPosition = tf.slice(table, [0, 0], [1, embedDim]);
  const patchPositions = tf.slice(table, [1, 0], [patchCount, embedDim]) as tf.Tensor2D;
  return tf.concat([clsPosition, resamplePositionEmbedding(patchPositions, gridHeight, h, w)], 0) as tf.Tensor2D;
}

/** `[B, 1+T, D]`: [CLS] and the (masked or kept) patch embeddings with positions, before the blocks. */
function embedTokens(
  config: VitConfig,
  weights: VitWeights,
  grid: readonly [number, number],
  images: tf.Tensor4D,
  h: number,
  w: number,
  tokenMask?: tf.Tensor2D,
  keepIndices?: tf.Tensor2D,
): tf.Tensor3D {
  const { embedDim } = config;
  const batch = images.shape[0];
  const n = h * w;
  let x = embedPatches(config, weights, images, h, w);
  if (tokenMask && weights.maskedEmbed) x = replaceMasked(x, tokenMask, weights.maskedEmbed);
  const positions = positionEmbedding(config, weights.posEmbed, grid, h, w);
  // [1+N, D] -> cls row [1, 1, D] and patch rows [1, N, D]
  const clsPosition = tf.reshape(tf.slice(positions, [0, 0], [1, embedDim]), [1, 1, embedDim]);
  x = tf.add(x, tf.reshape(tf.slice(positions, [1, 0], [n, embedDim]), [1, n, embedDim]));
  if (keepIndices) x = tf.gather(x, keepIndices, 1, 1) as tf.Tensor3D; // [B, N, D] -> [B, K, D]
  // [1, 1, D] broadcast to [B, 1, D] by an add (its gradient is a sum, not one slice per sample)
  const cls = tf.add(tf.zeros([batch, 1, embedDim]), tf.add(weights.clsToken, clsPosition));
  return tf.concat([cls, x], 1) as tf.Tensor3D;
}

/** `[B, 1+T, D]` normalised tokens -> `classToken` `[B, D]` and `patchTokens` `[B, T, D]`. */
function splitTokens(out: tf.Tensor3D): { classToken: tf.Tensor2D; patchTokens: tf.Tensor3D } {
  const [batch, tokens, embedDim] = out.shape;
  return {
    // [B, 1+T, D] -> [B, D] and [B, T, D]
    classToken: tf.reshape(tf.slice(out, [0, 0, 0], [batch, 1, embedDim]), [batch, embedDim]) as tf.Tensor2D,
    patchTokens: tf.slice(out, [0, 1, 0], [batch, tokens - 1, embedDim]) as tf.Tensor3D,
  };
}

/**
 * Creates a Vision Transformer: non-overlapping patches are embedded by a linear projection, a
 * [CLS] token is prepended, learned position embeddings are added, and pre-norm transformer
 * blocks follow, then a final LayerNorm. Parameters carry the PyTorch names of the official
 * iBOT/DINO code and timm, so their checkpoints load with `loadStateDict`.
 *
 * `encode(images, { tokenMask })` replaces masked patch embeddings by `masked_embed` before the
 * position embeddings (iBOT, BEiT); `encode(images, { keepIndices })` encodes only the kept
 * patches (MAE). Images of another size than `imageSize` get bicubically resampled position
 * embeddings, exactly as the official `interpolate_pos_encoding`.
 *
 * It carries its rules as every {@link Backbone}: sizes are multiples of `patchSize`, tokens and
 * masks live on the patch grid, `cls_token` and `pos_embed` are timm's `no_weight_decay()`, and
 * `layerIndex` is {@link vitLayerIndex} (`layerCount = depth + 2`).
 *
 * @example
 * ```ts
 * const vit = createVit({ preset: 'tiny', imageSize: 32, patchSize: 4 });
 * const { classToken, patchTokens } = vit.encode(tf.zeros([8, 32, 32, 3])); // [8, 192], [8, 64, 192]
 * ```
 */
export function createVit(options: VitOptions = {}): Vit {
  options = checkOptions('createVit(options)', options, true);
  const config = resolveVitConfig(options);
  const grid = configuredGrid(config);
  checkParameterBudget(config);
  const { patchSize, inChannels, embedDim, depth } = config;
  const weights = createVitWeights(config, grid[0] * grid[1], createRng(options.seed ?? 0));
  const parameters = vitParameters(config, weights);
  let disposed = false;

  function checkAlive(where: string): void {
    if (disposed) throw new SslError('DISPOSED', `vit.${where}: this ViT was disposed; create a new one.`);
  }

  function encode(images: tf.Tensor4D, encodeOptions: EncodeOptions = {}): BackboneFeatures {
    checkAlive('encode');
    const [batch, h, w] = checkVitImages(config, images);
    const checked = checkOptions('vit.encode(options)', encodeOptions, true);
    checkVitEncodeOptions(checked, weights.maskedEmbed !== undefined, batch, h, w);
    const { tokenMask, keepIndices, training = false, rng: callRng } = checked;
    return tf.tidy('vit.encode', () => {
      let x = embedTokens(config, weights, grid, images, h, w, tokenMask, keepIndices);
      for (const block of weights.blocks) x = block.apply(x, { training, ...(callRng ? { rng: callRng } : {}) });
      return splitTokens(weights.norm.apply(x) as tf.Tensor3D);
    });
  }

  function lastSelfAttention(images: tf.Tensor4D): tf.Tensor4D {
    checkAlive('lastSelfAttention');
    if (depth === 0) {
      throw new SslError('NOT_SUPPORTED', 'vit.lastSelfAttention: this ViT has depth 0, so no block attends. Create it with depth >= 1.');
    }
    const [, h, w] = checkVitImages(config, images);
    return tf.tidy('vit.lastSelfAttention', () => {
      let x = embedTokens(config, weights, grid, images, h, w);
      for (const block of weights.blocks.slice(0, -1)) x = block.apply(x);
      return vitAttentionProbabilities(x, parameters, `blocks.${depth - 1}`, config.headCount, config.layerNormEps);
    });
  }

  const checkInputSize = (height: number, width: number, argument = 'vit.encode(images)'): void =>
    checkVitInputSize(patchSize, height, width, argument);
  const patchGrid = (height: number, width: number): readonly [number, number] => {
    checkInputSize(height, width, 'vit.tokenGrid(height, width)');
    return [height / patchSize, width / patchSize];
  };
  const noWeightDecay: ReadonlySet<string> = new Set(['cls_token', 'pos_embed']);

  return {
    arch: 'vit',
    embedDim,
    patchSize,
    inChannels,
    acceptsKeepIndices: true,
    layerCount: depth + 2,
    timm: vitTimmDescription(config),
    gridSize: grid,
    checkInputSize,
    tokenGrid: patchGrid,
    maskGrid: patchGrid,
    noWeightDecay: () => noWeightDecay,
    layerIndex: (name) => vitLayerIndex(name, depth),
    timmName: vitTimmName,
    config,
    parameters: () => parameters,
    encode,
    lastSelfAttention,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const p of parameters) p.variable.dispose();
    },
  };
}
