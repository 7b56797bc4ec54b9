import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkOptions, mergeModules, type Module, type Parameter, type Recipe, type StepContext } from '@selfsup/core';
import type { Vit } from '@selfsup/backbones';
import type { LinearHead } from '@selfsup/heads';
import { maskedTokenCrossEntropy } from '@selfsup/losses';
import type { Tokenizer } from './tokenizer.js';

/** The inputs of one BEiT step: one view per image, the same view for the tokenizer, a block mask. */
export interface BeitViews {
  /** `[batch, H, W, C]`: the normalised view the student sees. */
  readonly images: tf.Tensor4D;
  /** `[batch, H, W, C]`: the same view in [0, 1], for the tokenizer. */
  readonly pixels: tf.Tensor4D;
  /** `[batch, patches]`: 1 where the student's patch is masked (replaced by the mask token). */
  readonly masks: tf.Tensor2D;
}

/** The student's output in one BEiT step. */
export interface BeitOutputs {
  /** `[batch, patches, vocabularySize]`: the predicted token logits of every patch. */
  readonly logits: tf.Tensor3D;
}

/** The targets of one BEiT step, made before the tape. */
export interface BeitTargets {
  /** `[batch, patches]` int32: the tokenizer's id of every patch. */
  readonly tokens: tf.Tensor2D;
}

/** Options of {@link createBeitRecipe}. */
export interface BeitRecipeOptions<Batch> {
  /** The student: a ViT with a mask token. The recipe owns it. */
  backbone: Vit;
  /** The token predictor (`lm_head`): patch tokens to logits over the tokenizer's vocabulary. The recipe owns it. */
  head: LinearHead;
  /** Gives the target id of every patch; never trained. The recipe owns it. */
  tokenizer: Tokenizer;
  /** Makes a step's views (the crop, its pixels and the mask) from a batch, from the step's rng. */
  makeViews: (batch: Batch, context: StepContext) => BeitViews;
}

/** The BEiT-style recipe, with handles on its parts. */
export interface BeitRecipe<Batch> extends Recipe<Batch, BeitViews, BeitOutputs, BeitTargets> {
  /** The ViT's parameters and `lm_head.*`, as BEiT's `VisionTransformerForMaskedImageModeling` names them. */
  readonly student: Module & { readonly parts: { readonly backbone: Vit; readonly head: LinearHead } };
  readonly tokenizer: Tokenizer;
}

/**
 * BEiT-style masked image modelling (Bao et al., 2022): a tokenizer turns every patch of a view
 * into a discrete visual token; the student sees the view with blocks of patches replaced by a
 * learned mask token and predicts, through a linear head over the vocabulary, the token of every
 * masked patch. The loss is the cross-entropy on the masked patches only (`beit`); the share of
 * them predicted right is logged as `tokenAccuracy`. The tokenizer is pluggable (a k-means
 * codebook, DALL-E's dVAE, a frozen teacher); no EMA teacher, nothing after the step.
 *
 * @example
 * ```ts
 * const tokenizer = await fitKmeansTokenizer(trainImages, { vocabularySize: 256, patchSize: 4, rng: createRng(0) });
 * const backbone = createVit({ preset: 'tiny', imageSize: 28, patchSize: 4, inChannels: 1 });
 * const head = createLinearHead({ inDim: 192, outDim: 256, prefix: 'lm_head' });
 * const recipe = createBeitRecipe({ backbone, head, tokenizer, makeViews });
 * ```
 */
export function createBeitRecipe<Batch>(options: BeitRecipeOptions<Batch>): BeitRecipe<Batch> {
  const { backbone, head, tokenizer } = checkOptions('createBeitRecipe(options)', options);
  if (!backbone.config.maskToken) {
    throw new SslError('INVALID_CONFIG', 'createBeitRecipe: the backbone has no mask token; create it with maskToken: true (the masked patches are replaced by it).');
  }
  if (head.config.inDim !== backbone.embedDim || head.config.outDim !== tokenizer.vocabularySize) {
    throw new SslError(
      'INVALID_CONFIG',
      `createBeitRecipe: the head maps ${head.config.inDim} to ${head.config.outDim} but the backbone gives ${backbone.embedDim}-wide tokens and the ${tokenizer.name} tokenizer has ${tokenizer.vocabularySize} ids. ` +
        'Create the head with inDim = backbone.embedDim and outDim = tokenizer.vocabularySize.',
    );
  }
  if (tokenizer.patchSize !== backbone.patchSize) {
    throw new SslError(
      'INVALID_CONFIG',
      `createBeitRecipe: the ${tokenizer.name} tokenizer gives one id per ${tokenizer.patchSize}-pixel patch but the backbone's patches are ${backbone.patchSize} pixels. Make the tokenizer for the backbone's patch size.`,
    );
  }
  const student = Object.assign(mergeModules(backbone, head), { parts: { backbone, head } });
  return {
    name: 'beit',
    student,
    tokenizer,
    trainableParameters: (): Parameter[] => student.parameters().filter((p) => p.trainable),
    modules: () => ({ student, tokenizer }),
    makeViews: (batch, context) => options.makeViews(batch, context),
    makeTargets: (views) => ({ tokens: tokenizer.tokenize(views.pixels) }),
    forward: (views, context) => {
      const { patchTokens } = backbone.encode(views.images, { tokenMask: views.masks, training: true, rng: context.rng });
      return { logits: head.project(patchTokens) as tf.Tensor3D };
    },
    objectives: [
      {
        name: 'beit',
        compute: (outputs, targets, views) => ({
          loss: maskedTokenCrossEntropy({ logits: outputs.logits, targets: targets.tokens, mask: views.masks }),
          metrics: {
            tokenAccuracy: tf.tidy('beit.tokenAccuracy', () => {
              const right = tf.cast(tf.equal(tf.argMax(outputs.logits, 2), targets.tokens), 'float32'); // [B, N]
              return tf.div(tf.sum(tf.mul(right, views.masks)), tf.maximum(tf.sum(views.masks), 1)) as tf.Scalar;
            }),
          },
        }),
      },
    ],
    afterStep: () => {},
    dispose: () => {
      student.dispose();
      tokenizer.dispose();
    },
  };
}
