import * as tf from '@tensorflow/tfjs-core';
import {
  SslError,
  checkInteger,
  checkNumber,
  checkOptions,
  createRng,
  invalidArgument,
  isSslError,
  loadStateDict,
  type HostTensor,
  type Parameter,
} from '@selfsup/core';
import { checkTokenizerImages, type Tokenizer } from './tokenizer.js';

/** Options of {@link createDvaeTokenizer}. Defaults are DALL-E's encoder (`dall_e/encoder.py`). */
export interface DvaeTokenizerOptions {
  /**
   * The student's patch size: one id per `patchSize x patchSize` patch of the images given to
   * `tokenize`, which are resized so that the encoder's grid matches (BEiT: 224 px images with
   * 16 px patches, resized to 112 px for the encoder, whose 8x downsampling gives 14 x 14 ids).
   */
  patchSize: number;
  /**
   * The encoder's weights under DALL-E's names (`blocks.input.w`, `blocks.group_1.block_1.res_path.conv_1.w`,
   * ..., `blocks.output.conv.b`), e.g. from `stateDictFromSafetensors`. Every tensor must be there;
   * without a state dict the weights are random (DALL-E's initialisation), for tests.
   */
  stateDict?: ReadonlyMap<string, HostTensor>;
  /** Output logits per position (`vocab_size`). @defaultValue 8192 */
  vocabularySize?: number;
  /** Width of the first group (`n_hid`); group `g` is `2^(g-1)` times as wide. @defaultValue 256 */
  hiddenDim?: number;
  /** Groups of blocks (`group_count`); a 2x2 max-pool follows every group but the last. @defaultValue 4 */
  groupCount?: number;
  /** Residual blocks per group (`n_blk_per_group`). @defaultValue 2 */
  blocksPerGroup?: number;
  /**
   * Channels the encoder takes (`input_channels`); single-channel images are repeated to fill
   * them (3-channel DALL-E weights on grayscale data).
   * @defaultValue 3
   */
  inChannels?: number;
  /** `map_pixels`: pixels go to `(1 - 2 eps) x + eps` before the encoder. @defaultValue 0.1 */
  logitLaplaceEps?: number;
  /** Seed of the random weights when no `stateDict` is given. @defaultValue 0 */
  seed?: number;
}

/** DALL-E's dVAE encoder as a {@link Tokenizer}. */
export interface DvaeTokenizer extends Tokenizer {
  /** The resolved architecture. */
  readonly config: Readonly<Required<Omit<DvaeTokenizerOptions, 'stateDict' | 'seed'>>>;
  /** The encoder's downsampling factor, `2^(groupCount - 1)`. */
  readonly downsampling: number;
  /**
   * `[batch, rows, columns, vocabularySize]`: the encoder's logits on the resized, mapped images
   * (rows = height / patchSize), whose argmax `tokenize` returns. The caller owns the result.
   */
  logits(images: tf.Tensor4D): tf.Tensor4D;
}

interface Conv {
  readonly weight: tf.Variable<tf.Rank.R4>;
  readonly bias: tf.Variable<tf.Rank.R1>;
}

interface Block {
  readonly identity?: Conv;
  readonly residual: readonly [Conv, Conv, Conv, Conv];
}

/**
 * DALL-E's discrete VAE encoder (Ramesh et al., 2021) as BEiT's visual tokenizer (Bao et al.,
 * 2022): a 7x7 input convolution, `groupCount` groups of `blocksPerGroup` residual blocks (each
 * `x -> id_path(x) + res_path(x) / (groupCount * blocksPerGroup)^2`, the residual path four ReLU +
 * convolution pairs 3x3, 3x3, 3x3, 1x1 through a quarter of the block's width, the identity path a
 * 1x1 convolution when the width changes) with a 2x2 max-pool after every group but the last, and
 * a ReLU + 1x1 convolution to `vocabularySize` logits. Each position's id is the argmax of its
 * logits. Images in [0, 1] are resized (bilinear; BEiT uses Lanczos) to `downsampling` pixels per
 * student patch and mapped by `map_pixels` first.
 *
 * Parameters carry DALL-E's names and PyTorch layouts (`w` `[out, in, k, k]`, `b` `[out]`), so the
 * official `encoder.pkl`, converted to safetensors (see `docs/concepts/recipe-variants.md`), loads
 * with `stateDict`. With the defaults it is the official architecture; smaller settings make small
 * tokenizers of the same design (the official code requires `hiddenDim >= 64` and
 * `vocabularySize >= 512`; here any positive size works).
 *
 * @throws SslError `STATE_DICT_MISMATCH` naming the missing, unexpected or mis-shaped tensors.
 * @example
 * ```ts
 * const stateDict = stateDictFromSafetensors(await readFile('dalle-encoder.safetensors'));
 * const tokenizer = createDvaeTokenizer({ patchSize: 16, stateDict }); // 224 px crops -> 14 x 14 ids
 * const ids = tokenizer.tokenize(crops); // [B, 196] int32
 * ```
 */
export function createDvaeTokenizer(options: DvaeTokenizerOptions): DvaeTokenizer {
  const where = 'createDvaeTokenizer';
  checkOptions(`${where}(options)`, options);
  const patchSize = checkInteger(`${where}(options.patchSize)`, options.patchSize, 1);
  const vocabularySize = checkInteger(`${where}(options.vocabularySize)`, options.vocabularySize ?? 8192, 1);
  const hiddenDim = checkInteger(`${where}(options.hiddenDim)`, options.hiddenDim ?? 256, 1);
  const groupCount = checkInteger(`${where}(options.groupCount)`, options.groupCount ?? 4, 1);
  const blocksPerGroup = checkInteger(`${where}(options.blocksPerGroup)`, options.blocksPerGroup ?? 2, 1);
  const inChannels = checkInteger(`${where}(options.inChannels)`, options.inChannels ?? 3, 1);
  const eps = checkNumber(`${where}(options.logitLaplaceEps)`, options.logitLaplaceEps ?? 0.1, 0, 0.5);
  if (hiddenDim % 4 !== 0) {
    throw invalidArgument({ argument: `${where}(options.hiddenDim)`, expected: 'a multiple of 4 (each block works at a quarter of its width)', actual: hiddenDim });
  }
  const rng = createRng(checkInteger(`${where}(options.seed)`, options.seed ?? 0, 0, Number.MAX_SAFE_INTEGER));
  const downsampling = 2 ** (groupCount - 1);
  const parameters: Parameter[] = [];

  // DALL-E's Conv2d: w ~ N(0, 1 / (in * k^2)), b = 0; stored [k, k, in, out] (PyTorch [out, in, k, k])
  const conv = (name: string, inDim: number, outDim: number, kernel: number): Conv => {
    const std = 1 / Math.sqrt(inDim * kernel * kernel);
    const values = new Float32Array(kernel * kernel * inDim * outDim);
    for (let i = 0; i < values.length; i++) values[i] = rng.normal(0, std);
    const weight = tf.tidy(() => tf.variable(tf.tensor4d(values, [kernel, kernel, inDim, outDim]), false)) as tf.Variable<tf.Rank.R4>;
    const bias = tf.tidy(() => tf.variable(tf.zeros([outDim]), false)) as tf.Variable<tf.Rank.R1>;
    parameters.push(
      { name: `${name}.w`, variable: weight, trainable: false, torch: { shape: [outDim, inDim, kernel, kernel], perm: [2, 3, 1, 0] } },
      { name: `${name}.b`, variable: bias, trainable: false },
    );
    return { weight, bias };
  };

  const input = conv('blocks.input', inChannels, hiddenDim, 7);
  const groups: Block[][] = [];
  let width = hiddenDim;
  for (let g = 1; g <= groupCount; g++) {
    const outDim = 2 ** (g - 1) * hiddenDim;
    const blocks: Block[] = [];
    for (let i = 1; i <= blocksPerGroup; i++) {
      const inDim = i === 1 ? width : outDim;
      const prefix = `blocks.group_${g}.block_${i}`;
      const quarter = outDim / 4;
      const identity = inDim !== outDim ? conv(`${prefix}.id_path`, inDim, outDim, 1) : undefined;
      const residual = [
        conv(`${prefix}.res_path.conv_1`, inDim, quarter, 3),
        conv(`${prefix}.res_path.conv_2`, quarter, quarter, 3),
        conv(`${prefix}.res_path.conv_3`, quarter, quarter, 3),
        conv(`${prefix}.res_path.conv_4`, quarter, outDim, 1),
      ] as const;
      blocks.push(identity ? { identity, residual } : { residual });
    }
    groups.push(blocks);
    width = outDim;
  }
  const output = conv('blocks.output.conv', width, vocabularySize, 1);

  if (options.stateDict) {
    try {
      loadStateDict(parameters, options.stateDict);
    } catch (error) {
      for (const p of parameters) p.variable.dispose();
      if (isSslError(error)) {
        throw new SslError(
          error.code,
          `${where}: the state dict does not fit a DALL-E encoder with groupCount ${groupCount}, blocksPerGroup ${blocksPerGroup}, ` +
            `hiddenDim ${hiddenDim}, inChannels ${inChannels} and vocabularySize ${vocabularySize}. ${error.message} ` +
            "Convert the official encoder.pkl with its own state_dict() names (blocks.input.w, ...) and build the tokenizer with the encoder's sizes.",
          { cause: error },
        );
      }
      throw error;
    }
  }

  const postGain = 1 / (groupCount * blocksPerGroup) ** 2;
  const apply = (c: Conv, x: tf.Tensor4D): tf.Tensor4D => tf.add(tf.conv2d(x, c.weight, 1, 'same'), c.bias);
  let disposed = false;

  const logitsOf = (images: tf.Tensor4D): tf.Tensor4D => {
    const [rows, columns] = checkTokenizerImages('dvaeTokenizer.tokenize', images, patchSize, inChannels === 1 ? [1] : [1, inChannels]);
    let x: tf.Tensor4D = images.shape[3] === inChannels ? images : (tf.tile(images, [1, 1, 1, inChannels]) as tf.Tensor4D);
    const size: [number, number] = [rows * downsampling, columns * downsampling];
    if (x.shape[1] !== size[0] || x.shape[2] !== size[1]) x = tf.image.resizeBilinear(x, size, false, true);
    x = tf.add(tf.mul(x, 1 - 2 * eps), eps); // map_pixels
    x = apply(input, x);
    groups.forEach((blocks, g) => {
      for (const block of blocks) {
        let r: tf.Tensor4D = x;
        for (const c of block.residual) r = apply(c, tf.relu(r));
        x = tf.add(block.identity ? apply(block.identity, x) : x, tf.mul(r, postGain));
      }
      if (g < groups.length - 1) x = tf.maxPool(x, 2, 2, 'valid');
    });
    return apply(output, tf.relu(x)); // [B, rows, columns, V]
  };
  const alive = (method: string): void => {
    if (disposed) throw new SslError('DISPOSED', `dvaeTokenizer.${method}: this tokenizer was disposed; create a new one.`);
  };

  return {
    name: 'dvae',
    vocabularySize,
    patchSize,
    downsampling,
    config: { patchSize, vocabularySize, hiddenDim, groupCount, blocksPerGroup, inChannels, logitLaplaceEps: eps },
    parameters: () => parameters,
    logits(images) {
      alive('logits');
      return tf.tidy('dvaeTokenizer.logits', () => logitsOf(images));
    },
    tokenize(images) {
      alive('tokenize');
      return tf.tidy('dvaeTokenizer.tokenize', () => {
        const logits = logitsOf(images);
        const [batch, rows, columns] = logits.shape;
        return tf.reshape(tf.argMax(logits, 3), [batch, rows * columns]) as tf.Tensor2D; // [B, h, w] -> [B, h*w]
      });
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of parameters) p.variable.dispose();
    },
  };
}
