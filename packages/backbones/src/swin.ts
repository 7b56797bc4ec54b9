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
import { makeVariable, uniformValues } from './init.js';
import { createLayerNorm } from './layer-norm.js';
import { linear } from './linear.js';
import { checkNhwcImages } from './nhwc-images.js';
import { createPatchMerging, type PatchMerging } from './patch-merging.js';
import { createSwinBlock, type SwinBlock } from './swin-block.js';
import { SWIN_PRESETS, type SwinPresetName } from './swin-presets.js';
import { swinLayerIndex, swinTimmDescription, swinTimmName } from './swin-rules.js';
import { swinGrids, type SwinGrids } from './swin-grids.js';
import { planSwinStages, type SwinStage } from './swin-stages.js';
import type { BlockCallOptions } from './transformer-block.js';

/** Options of {@link createSwin}. Sizes default to the preset's, and the preset to `tiny`. */
export interface SwinOptions {
  /**
   * A named size; explicit `embedDim`, `depths` and `headCounts` override it.
   * @defaultValue 'tiny'
   */
  preset?: SwinPresetName;
  /**
   * The image size the model is built for: it fixes each stage's window and shift (the official
   * `img_size`); other sizes are encoded with the same windows. A number or `[height, width]`.
   * @defaultValue 224
   */
  imageSize?: number | readonly [number, number];
  /** @defaultValue 4 */
  patchSize?: number;
  /** Image channels: 3 for RGB, 1 for grayscale. @defaultValue 3 */
  inChannels?: number;
  /** Width of the first stage, doubled by each patch merging. @defaultValue the preset's (96 for tiny) */
  embedDim?: number;
  /** Blocks per stage. @defaultValue the preset's ([2, 2, 6, 2] for tiny) */
  depths?: readonly number[];
  /** Attention heads per stage; each divides its stage's width. @defaultValue the preset's ([3, 6, 12, 24] for tiny) */
  headCounts?: readonly number[];
  /** The side of an attention window. @defaultValue 7 (the paper's) */
  windowSize?: number;
  /** MLP width as a multiple of the stage width. @defaultValue 4 */
  mlpRatio?: number;
  /** @defaultValue true */
  qkvBias?: boolean;
  /** @defaultValue 1e-6 (iBOT's) */
  layerNormEps?: number;
  /**
   * Stochastic depth: the drop probability grows linearly over all blocks from 0 to this.
   * @defaultValue 0
   */
  dropPathRate?: number;
  /**
   * A learned `masked_embed` for `tokenMask` (iBOT's `masked_im_modeling`).
   * @defaultValue true
   */
  maskToken?: boolean;
  /** Seed of the initial weights. @defaultValue 0 */
  seed?: number;
}

/** A Swin Transformer (official iBOT layout) with its configuration. */
export interface Swin extends Backbone {
  readonly arch: 'swin';
  /** The resolved configuration (`embedDim` is the first stage's width; the backbone's `embedDim` the last's). */
  readonly config: Readonly<{
    imageSize: readonly [number, number];
    patchSize: number;
    inChannels: number;
    embedDim: number;
    depths: readonly number[];
    headCounts: readonly number[];
    windowSize: number;
    mlpRatio: number;
    qkvBias: boolean;
    layerNormEps: number;
    dropPathRate: number;
    maskToken: boolean;
  }>;
  /** Each stage's width, depth, heads, resolution, window and shift at the configured image size. */
  readonly stages: readonly SwinStage[];
}

type SwinConfig = Swin['config'];

function resolveImageSize(value: SwinOptions['imageSize']): [number, number] {
  const size = value ?? 224;
  if (typeof size === 'number') return [checkInteger('createSwin(options.imageSize)', size, 1), size];
  if (!Array.isArray(size) || size.length !== 2) {
    throw invalidArgument({ argument: 'createSwin(options.imageSize)', expected: 'a positive integer or [height, width]', actual: size });
  }
  return [checkInteger('createSwin(options.imageSize[0])', size[0], 1), checkInteger('createSwin(options.imageSize[1])', size[1], 1)];
}

function checkStageList(argument: string, value: unknown, min: number): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw invalidArgument({ argument, expected: 'a non-empty array of integers, one per stage', actual: value });
  }
  return value.map((v, i) => checkInteger(`${argument}[${i}]`, v, min));
}

/** One head count per stage, each dividing its stage's width `embedDim * 2^i`. */
function checkHeadCounts(embedDim: number, depths: readonly number[], headCounts: readonly number[]): void {
  if (headCounts.length !== depths.length) {
    throw invalidArgument({
      argument: 'createSwin(options.headCounts)',
      expected: `one head count per stage (${depths.length}, as depths)`,
      actual: headCounts,
      fix: 'Give depths and headCounts the same length.',
    });
  }
  headCounts.forEach((heads, i) => {
    const dim = embedDim * 2 ** i;
    if (dim % heads !== 0) {
      throw invalidArgument({ argument: `createSwin(options.headCounts[${i}])`, expected: `a divisor of stage ${i}'s width ${dim} (embedDim * 2^${i})`, actual: heads });
    }
  });
}

/** The configured image size is a multiple of the patch size along height and width. */
function checkImageSizeMultiple(imageSize: readonly [number, number], patchSize: number): void {
  for (const [name, size] of [
    ['height', imageSize[0]],
    ['width', imageSize[1]],
  ] as const) {
    if (size % patchSize !== 0) {
      throw invalidArgument({
        argument: `createSwin(options.imageSize) ${name}`,
        expected: `a multiple of patchSize (${patchSize})`,
        actual: size,
        fix: `Use an image size such as ${Math.max(patchSize, Math.round(size / patchSize) * patchSize)}.`,
      });
    }
  }
}

/** Validates the options and fills in the defaults (explicit sizes over the preset's). */
function resolveSwinConfig(options: SwinOptions): SwinConfig {
  const preset = options.preset ?? 'tiny';
  if (typeof preset !== 'string' || !Object.hasOwn(SWIN_PRESETS, preset)) {
    throw invalidArgument({ argument: 'createSwin(options.preset)', expected: `one of ${Object.keys(SWIN_PRESETS).join(', ')}`, actual: preset });
  }
  const base = SWIN_PRESETS[preset];
  const imageSize = resolveImageSize(options.imageSize);
  const patchSize = checkInteger('createSwin(options.patchSize)', options.patchSize ?? 4, 1);
  const embedDim = checkInteger('createSwin(options.embedDim)', options.embedDim ?? base.embedDim, 1);
  const depths = checkStageList('createSwin(options.depths)', options.depths ?? base.depths, 0);
  const headCounts = checkStageList('createSwin(options.headCounts)', options.headCounts ?? base.headCounts, 1);
  checkHeadCounts(embedDim, depths, headCounts);
  checkImageSizeMultiple(imageSize, patchSize);
  return {
    imageSize,
    patchSize,
    inChannels: checkInteger('createSwin(options.inChannels)', options.inChannels ?? 3, 1),
    embedDim,
    depths,
    headCounts,
    windowSize: checkInteger('createSwin(options.windowSize)', options.windowSize ?? 7, 1),
    mlpRatio: checkNumber('createSwin(options.mlpRatio)', options.mlpRatio ?? 4, Number.MIN_VALUE),
    qkvBias: options.qkvBias ?? true,
    layerNormEps: checkNumber('createSwin(options.layerNormEps)', options.layerNormEps ?? 1e-6, 0),
    dropPathRate: checkNumber('createSwin(options.dropPathRate)', options.dropPathRate ?? 0, 0, 1),
    maskToken: options.maskToken ?? true,
  };
}

/** One stage's blocks and the patch merging after it (none after the last stage). */
interface SwinLayer {
  readonly blocks: readonly SwinBlock[];
  readonly downsample: PatchMerging | undefined;
}

/**
 * The official `layers`: for each stage its blocks (`layers.i.blocks.j`, the odd ones shifted,
 * drop path growing linearly over all blocks) and, but after the last, its patch merging
 * (`layers.i.downsample`).
 */
function createSwinLayers(config: SwinConfig, stages: readonly SwinStage[], rng: Rng): SwinLayer[] {
  const blockCount = config.depths.reduce((a, b) => a + b, 0);
  let blockIndex = 0;
  return stages.map((stage, i) => {
    const blocks: SwinBlock[] = [];
    for (let j = 0; j < stage.depth; j++, blockIndex++) {
      blocks.push(
        createSwinBlock({
          prefix: `layers.${i}.blocks.${j}`,
          dim: stage.dim,
          headCount: stage.headCount,
          windowSize: stage.windowSize,
          shift: j % 2 === 0 ? 0 : stage.shift,
          mlpRatio: config.mlpRatio,
          qkvBias: config.qkvBias,
          layerNormEps: config.layerNormEps,
          dropPath: blockCount > 1 ? (config.dropPathRate * blockIndex) / (blockCount - 1) : 0,
          rng,
        }),
      );
    }
    const last = i === stages.length - 1;
    return { blocks, downsample: last ? undefined : createPatchMerging({ prefix: `layers.${i}.downsample`, dim: stage.dim, layerNormEps: config.layerNormEps, rng }) };
  });
}

/** The learned weights of a Swin Transformer, in the order they are drawn from the seed. */
interface SwinWeights {
  /** `patch_embed.proj`: `[p*p*C, D]` and `[D]`. */
  readonly patchWeight: tf.Variable;
  readonly patchBias: tf.Variable;
  /** `patch_embed.norm`. */
  readonly patchNorm: ReturnType<typeof createLayerNorm>;
  /** `layers.i`: each stage's blocks and patch merging. */
  readonly layers: readonly SwinLayer[];
  /** The final `norm`, at the last stage's width. */
  readonly norm: ReturnType<typeof createLayerNorm>;
  /** `masked_embed`, `[1, D]`, when `maskToken`. */
  readonly maskedEmbed: tf.Variable | undefined;
}

/**
 * Draws the weights from `rng`, in the official order: PyTorch's Conv2d default uniform for the
 * patch projection, the patch norm, the stages ({@link createSwinLayers}), the final norm, and
 * zeros for `masked_embed`.
 */
function createSwinWeights(config: SwinConfig, stages: readonly SwinStage[], rng: Rng): SwinWeights {
  const { patchSize, inChannels, embedDim, layerNormEps, maskToken } = config;
  const patchDim = patchSize * patchSize * inChannels;
  // PyTorch's Conv2d default init: uniform(+-1/sqrt(fan_in)) for weight and bias.
  const bound = 1 / Math.sqrt(patchDim);
  const patchWeight = makeVariable([patchDim, embedDim], uniformValues(rng, patchDim * embedDim, bound));
  const patchBias = makeVariable([embedDim], uniformValues(rng, embedDim, bound));
  const patchNorm = createLayerNorm({ prefix: 'patch_embed.norm', dim: embedDim, eps: layerNormEps });
  const layers = createSwinLayers(config, stages, rng);
  const norm = createLayerNorm({ prefix: 'norm', dim: stages[stages.length - 1]!.dim, eps: layerNormEps });
  const maskedEmbed = maskToken ? makeVariable([1, embedDim], 0) : undefined;
  return { patchWeight, patchBias, patchNorm, layers, norm, maskedEmbed };
}

/** The weights under their official PyTorch names, in state-dict order. */
function swinParameters(config: SwinConfig, weights: SwinWeights): Parameter[] {
  const { embedDim, inChannels, patchSize } = config;
  return [
    {
      name: 'patch_embed.proj.weight',
      variable: weights.patchWeight,
      // PyTorch [dim, C, p, p] -> [p, p, C, dim] -> ours [p*p*C, dim] (rows ordered y, x, channel like our patches)
      torch: { shape: [embedDim, inChannels, patchSize, patchSize], perm: [2, 3, 1, 0] },
      trainable: true,
    },
    { name: 'patch_embed.proj.bias', variable: weights.patchBias, trainable: true },
    ...weights.patchNorm.parameters(),
    ...weights.layers.flatMap((s) => [...s.blocks.flatMap((b) => b.parameters()), ...(s.downsample ? s.downsample.parameters() : [])]),
    ...weights.norm.parameters(),
    ...(weights.maskedEmbed ? [{ name: 'masked_embed', variable: weights.maskedEmbed, trainable: true }] : []),
  ];
}

/** The parameters exempt from weight decay: the relative position bias tables (the official `no_weight_decay_keywords`). */
function swinNoWeightDecay(parameters: readonly Parameter[]): ReadonlySet<string> {
  return new Set(parameters.filter((p) => p.name.endsWith('.relative_position_bias_table')).map((p) => p.name));
}

/**
 * Checks the images of `swin.encode`: rank-4 NHWC with the configured channels, sides the Swin
 * accepts (`grids.checkInputSize`). Returns `[batch, ph, pw]` in patches.
 */
function checkSwinImages(config: SwinConfig, grids: SwinGrids, images: tf.Tensor4D): [number, number, number] {
  const { inChannels, patchSize } = config;
  const [batch, height, width] = checkNhwcImages(
    { owner: 'swin.encode', model: 'Swin Transformer', inChannels, looksNchw: ([, h]) => h === inChannels },
    images,
  );
  grids.checkInputSize(height, width);
  return [batch, height / patchSize, width / patchSize];
}

/**
 * Checks `tokenMask` (`[batch, mh*mw]` at the last stage's grid, needs the mask token) and refuses
 * `keepIndices` (MAE), which a Swin Transformer cannot encode.
 */
function checkSwinEncodeOptions(options: EncodeOptions, hasMaskToken: boolean, grids: SwinGrids, batch: number, height: number, width: number): void {
  const { tokenMask, keepIndices } = options;
  checkNotDisposed('swin.encode(options.tokenMask)', tokenMask);
  if (keepIndices !== undefined) {
    throw new SslError(
      'NOT_SUPPORTED',
      'swin.encode(options.keepIndices): a Swin Transformer encodes whole grids (its windows and patch merging need every token), so it cannot encode only kept patches (MAE). ' +
        'Use a ViT for MAE (backbone.acceptsKeepIndices says which backbones can), or mask with tokenMask.',
    );
  }
  if (tokenMask) {
    const [mh, mw] = grids.maskGrid(height, width);
    checkShape('swin.encode(options.tokenMask)', tokenMask.shape, [batch, mh * mw], `[batch, tokens] on the last stage's ${mh}x${mw} grid (swin.maskGrid(${height}, ${width}))`);
    if (!hasMaskToken) {
      throw new SslError('INVALID_ARGUMENT', 'swin.encode(options.tokenMask): this Swin Transformer was created with maskToken: false. Create it with maskToken: true to use masks.');
    }
  }
}

/**
 * `[batch, mh * mw]` mask at the last stage's grid -> `[batch, ph * pw, 1]` at the patch grid,
 * each mask token repeated over its `ph/mh` x `pw/mw` patches (the official `mask_model`).
 */
function maskAtPatchGrid(mask: tf.Tensor2D, maskGrid: readonly [number, number], patchGrid: readonly [number, number]): tf.Tensor3D {
  const batch = mask.shape[0];
  const [mh, mw] = maskGrid;
  const rh = patchGrid[0] / mh;
  const rw = patchGrid[1] / mw;
  // [B, mh*mw] -> [B, mh, 1, mw, 1] -> tiled [B, mh, rh, mw, rw] -> [B, ph*pw, 1]
  const grid = tf.reshape(tf.cast(mask, 'float32'), [batch, mh, 1, mw, 1]);
  return tf.reshape(tf.tile(grid, [1, 1, rh, 1, rw]), [batch, patchGrid[0] * patchGrid[1], 1]);
}

/** NHWC images `[B, H, W, C]` -> normalised patch embeddings `[B, ph*pw, D]` (the conv with kernel = stride = patch, then `patch_embed.norm`). */
function embedPatches(config: SwinConfig, weights: SwinWeights, images: tf.Tensor4D, ph: number, pw: number): tf.Tensor3D {
  const { patchSize, inChannels, embedDim } = config;
  const batch = images.shape[0];
  const n = ph * pw;
  // Patchify NHWC: [B, H, W, C] -> [B*ph, p, pw, p*C] -> [B*ph, pw, p, p*C] -> [B*N, p*p*C]
  const rows = tf.reshape(images, [batch * ph, patchSize, pw, patchSize * inChannels]);
  const patches = tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [batch * n, patchSize * patchSize * inChannels]) as tf.Tensor2D;
  // [B*N, p*p*C] x [p*p*C, D] -> [B*N, D] -> [B, N, D], then the patch norm
  return weights.patchNorm.apply(tf.reshape(linear(patches, weights.patchWeight as tf.Tensor2D, weights.patchBias as tf.Tensor1D), [batch, n, embedDim])) as tf.Tensor3D;
}

/**
 * `x + m * (masked_embed - x)` with `m` the `tokenMask` at the last stage's grid repeated to the
 * `ph` x `pw` patch grid ({@link maskAtPatchGrid}): masked patch embeddings become the mask token.
 */
function replaceMasked(config: SwinConfig, grids: SwinGrids, x: tf.Tensor3D, tokenMask: tf.Tensor2D, maskedEmbed: tf.Variable, ph: number, pw: number): tf.Tensor3D {
  const { patchSize } = config;
  const m = maskAtPatchGrid(tokenMask, grids.maskGrid(ph * patchSize, pw * patchSize), [ph, pw]);
  return tf.add(x, tf.mul(m, tf.sub(maskedEmbed, x))); // m in {0, 1}
}

/** `[B, ph*pw, D]` tokens through every stage's blocks and patch merging -> the last stage's tokens. */
function applySwinLayers(layers: readonly SwinLayer[], x: tf.Tensor3D, ph: number, pw: number, call: BlockCallOptions): tf.Tensor3D {
  let [h, w] = [ph, pw];
  for (const layer of layers) {
    for (const block of layer.blocks) x = block.apply(x, h, w, call);
    if (layer.downsample) {
      x = layer.downsample.apply(x, h, w);
      [h, w] = [Math.ceil(h / 2), Math.ceil(w / 2)];
    }
  }
  return x;
}

/** The last stage's tokens `[B, L, D]` -> `patchTokens` (after the final norm) and `classToken` `[B, D]`, their mean. */
function poolTokens(norm: SwinWeights['norm'], x: tf.Tensor3D): { classToken: tf.Tensor2D; patchTokens: tf.Tensor3D } {
  const patchTokens = norm.apply(x) as tf.Tensor3D;
  // [B, L, D] -> [B, D]: the official avgpool over the last stage's tokens
  return { classToken: tf.mean(patchTokens, 1) as tf.Tensor2D, patchTokens };
}

/**
 * Creates the Swin Transformer of the official iBOT code (`models/swin_transformer.py`): a patch
 * embedding (a linear map of `patchSize` x `patchSize` patches) with LayerNorm, stages of Swin
 * blocks (window attention with a relative position bias, every other block shifted by half a
 * window with the shifted-window mask, the grid padded to a multiple of the window), patch merging
 * between stages (odd grids padded), a final LayerNorm; `classToken` is the mean of the last
 * stage's normalised tokens, `patchTokens` those tokens. Parameters carry the official PyTorch
 * names, so its state dicts load with `loadStateDict`; `relative_position_index` is a computed
 * buffer (`trainable: false`).
 *
 * `encode(images, { tokenMask })` takes the mask at the last stage's grid (`maskGrid`, as iBOT
 * samples it for Swin), repeats it to the patch grid and replaces the patch embeddings under it by
 * `masked_embed` (iBOT's masked image modelling). `keepIndices` (MAE) is not supported.
 *
 * @example
 * ```ts
 * const swin = createSwin({ imageSize: 32, patchSize: 2, embedDim: 32, depths: [2, 2], headCounts: [2, 4], windowSize: 4 });
 * const { classToken, patchTokens } = swin.encode(tf.zeros([8, 32, 32, 3])); // [8, 64], [8, 64, 64]
 * swin.maskGrid(32, 32); // [8, 8]: where iBOT's masks are sampled
 * ```
 */
export function createSwin(options: SwinOptions = {}): Swin {
  options = checkOptions('createSwin(options)', options, true);
  const config = resolveSwinConfig(options);
  const { patchSize, inChannels, depths } = config;
  const stages = planSwinStages(config);
  const weights = createSwinWeights(config, stages, createRng(options.seed ?? 0));
  const parameters = swinParameters(config, weights);
  const noWeightDecay = swinNoWeightDecay(parameters);
  const grids = swinGrids(patchSize, stages.length);
  let disposed = false;

  function encode(images: tf.Tensor4D, encodeOptions: EncodeOptions = {}): BackboneFeatures {
    if (disposed) throw new SslError('DISPOSED', 'swin.encode: this Swin Transformer was disposed; create a new one.');
    const [batch, ph, pw] = checkSwinImages(config, grids, images);
    const checked = checkOptions('swin.encode(options)', encodeOptions, true);
    checkSwinEncodeOptions(checked, weights.maskedEmbed !== undefined, grids, batch, images.shape[1], images.shape[2]);
    const { tokenMask, training = false, rng: callRng } = checked;
    const call: BlockCallOptions = { training, ...(callRng ? { rng: callRng } : {}) };
    return tf.tidy('swin.encode', () => {
      let x = embedPatches(config, weights, images, ph, pw);
      if (tokenMask && weights.maskedEmbed) x = replaceMasked(config, grids, x, tokenMask, weights.maskedEmbed, ph, pw);
      return poolTokens(weights.norm, applySwinLayers(weights.layers, x, ph, pw, call));
    });
  }

  return {
    arch: 'swin',
    embedDim: stages[stages.length - 1]!.dim,
    patchSize,
    inChannels,
    acceptsKeepIndices: false,
    layerCount: depths.reduce((a, b) => a + b, 0) + 2,
    timm: swinTimmDescription(config),
    config,
    stages,
    checkInputSize: grids.checkInputSize,
    tokenGrid: grids.tokenGrid,
    maskGrid: grids.maskGrid,
    noWeightDecay: () => noWeightDecay,
    layerIndex: (name) => swinLayerIndex(name, depths),
    timmName: swinTimmName,
    parameters: () => parameters,
    encode,
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const p of parameters) p.variable.dispose();
    },
  };
}
