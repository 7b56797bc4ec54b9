import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkOptions, invalidArgument, mergeModules, type Module, type Parameter, type Recipe, type StepContext } from '@selfsup/core';
import type { Vit } from '@selfsup/backbones';
import { sinCosPositionEmbedding, type MaeDecoder } from '@selfsup/heads';
import { maeLoss } from '@selfsup/losses';

/** The inputs of one MAE step: one view per image and its random mask, as MAE's indices. */
export interface MaeViews {
  /** `[batch, H, W, C]`: the (normalised) view; also the reconstruction target. */
  readonly images: tf.Tensor4D;
  /** `[batch, kept]` int32: the kept patches in shuffle order (`ids_keep`). */
  readonly keepIndices: tf.Tensor2D;
  /** `[batch, patches]` int32: the inverse permutation (`ids_restore`). */
  readonly restoreIndices: tf.Tensor2D;
  /** `[batch, patches]` float32: 1 on removed patches (`mask`). */
  readonly mask: tf.Tensor2D;
}

/** The student's output in one MAE step. */
export interface MaeOutputs {
  /** `[batch, patches, patchSize * patchSize * channels]`: the decoder's pixels for every patch. */
  readonly prediction: tf.Tensor3D;
}

/** MAE has no targets beyond its views: the pixels are the target. */
export type MaeTargets = Record<string, never>;

/** Options of {@link createMaeRecipe}. */
export interface MaeRecipeOptions<Batch> {
  /** The encoder: a ViT without a mask token (MAE's encoder drops the removed patches instead). */
  backbone: Vit;
  /** The decoder, made for the encoder's `embedDim`, image size, patch size and channels. */
  decoder: MaeDecoder;
  /** Makes a step's views (the crop and its random mask) from a batch, from the step's rng. */
  makeViews: (batch: Batch, context: StepContext) => MaeViews;
  /**
   * Compare with each patch standardised by its own mean and variance (`norm_pix_loss`).
   * @defaultValue true (MAE's recommended setting)
   */
  normalizePixels?: boolean;
  /**
   * `'sin-cos'`: set the encoder's `pos_embed` to MAE's fixed 2-D sine-cosine table at creation
   * and never train it (`requires_grad=False` in MAE); `'learned'`: keep the backbone's own,
   * trained.
   * @defaultValue 'sin-cos'
   */
  positionEmbedding?: 'sin-cos' | 'learned';
}

/** The MAE recipe, with a handle on its network. */
export interface MaeRecipe<Batch> extends Recipe<Batch, MaeViews, MaeOutputs, MaeTargets> {
  /** Encoder then decoder parameters under MAE's names (`cls_token`, ..., `decoder_pred.bias`). */
  readonly student: Module & { readonly parts: { readonly backbone: Vit; readonly decoder: MaeDecoder } };
}

/**
 * A masked autoencoder (He et al., 2022): most patches of a view (75%) are removed at random, the
 * encoder sees only the kept ones, and a light decoder, given the encoded kept patches and a mask
 * token at every removed position, predicts the pixels of every patch; the loss is the mean
 * squared error on the removed patches (on per-patch normalised pixels with `normalizePixels`).
 * No teacher, no centre: one objective (`mae`) and nothing after the step.
 *
 * @example
 * ```ts
 * const backbone = createVit({ preset: 'tiny', imageSize: 28, patchSize: 4, inChannels: 1, maskToken: false });
 * const decoder = createMaeDecoder({ embedDim: 192, decoderEmbedDim: 64, depth: 2, headCount: 4, imageSize: 28, patchSize: 4, inChannels: 1 });
 * const recipe = createMaeRecipe({ backbone, decoder, makeViews });
 * await trainStep(recipe, batch, { optimizer, context });
 * ```
 */
export function createMaeRecipe<Batch>(options: MaeRecipeOptions<Batch>): MaeRecipe<Batch> {
  const { backbone, decoder } = checkOptions('createMaeRecipe(options)', options);
  if (!backbone.acceptsKeepIndices) {
    throw new SslError(
      'INVALID_CONFIG',
      `createMaeRecipe(options.backbone): MAE encodes only the kept patches, which needs a backbone whose encode takes keepIndices (acceptsKeepIndices: a ViT), got arch "${backbone.arch}". ` +
        "Use { arch: 'vit' } for MAE; the Swin Transformer trains with iBOT or DINO.",
      { details: { method: 'mae', arch: backbone.arch } },
    );
  }
  const normalizePixels = options.normalizePixels ?? true;
  const positionEmbedding = options.positionEmbedding ?? 'sin-cos';
  if (positionEmbedding !== 'sin-cos' && positionEmbedding !== 'learned') {
    throw invalidArgument({
      argument: 'createMaeRecipe(options.positionEmbedding)',
      expected: '"sin-cos" (a fixed table, as MAE) or "learned"',
      actual: positionEmbedding,
      fix: 'Leave it out for MAE\'s fixed sine-cosine table.',
    });
  }
  const d = decoder.config;
  if (d.embedDim !== backbone.embedDim || d.patchSize !== backbone.patchSize || d.inChannels !== backbone.inChannels) {
    throw new SslError(
      'INVALID_CONFIG',
      `createMaeRecipe: the decoder takes tokens of width ${d.embedDim} and patches of ${d.patchSize}x${d.patchSize}x${d.inChannels}, ` +
        `but the encoder gives width ${backbone.embedDim} and patches of ${backbone.patchSize}x${backbone.patchSize}x${backbone.inChannels}. Build the decoder with the encoder's sizes.`,
    );
  }
  const fixed = new Set<string>();
  if (positionEmbedding === 'sin-cos') {
    const table = backbone.parameters().find((p) => p.name === 'pos_embed');
    if (!table) throw new SslError('INVALID_ARGUMENT', 'createMaeRecipe: the backbone has no "pos_embed" to fix; pass positionEmbedding: "learned".');
    const [height, width] = backbone.gridSize;
    // [1 + h*w, D] (a zero row for [CLS]) -> [1, 1 + h*w, D]
    tf.tidy('mae.sinCosPositions', () => table.variable.assign(tf.reshape(sinCosPositionEmbedding(backbone.embedDim, [height, width], { classToken: true }), table.variable.shape)));
    fixed.add('pos_embed');
  }
  const student = Object.assign(mergeModules(backbone, decoder), { parts: { backbone, decoder } });
  return {
    name: 'mae',
    student,
    trainableParameters: (): Parameter[] => student.parameters().filter((p) => p.trainable && !fixed.has(p.name)),
    modules: () => ({ student }),
    makeViews: (batch, context) => options.makeViews(batch, context),
    makeTargets: () => ({}),
    forward: (views, context) => {
      const { classToken, patchTokens } = backbone.encode(views.images, { keepIndices: views.keepIndices, training: true, rng: context.rng });
      // [B, D] and [B, K, D] -> [B, 1 + K, D], the [CLS] token first
      const latent = tf.concat([tf.expandDims(classToken, 1), patchTokens], 1) as tf.Tensor3D;
      return { prediction: decoder.decode(latent, views.restoreIndices) };
    },
    objectives: [
      {
        name: 'mae',
        compute: (outputs, _targets, views) => ({
          loss: maeLoss({ images: views.images, prediction: outputs.prediction, mask: views.mask, patchSize: backbone.patchSize, normalizePixels }),
        }),
      },
    ],
    afterStep: () => {},
    dispose: () => student.dispose(),
  };
}
