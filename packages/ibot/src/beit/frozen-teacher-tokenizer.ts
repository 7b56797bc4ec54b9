import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkOptions, combineModules, invalidArgument, type Backbone, type Parameter } from '@selfsup/core';
import { normalize } from '@selfsup/augment';
import type { DinoHead, IbotHead, LinearHead } from '@selfsup/heads';
import { checkTokenizerImages, type Tokenizer } from './tokenizer.js';

/** Options of {@link createFrozenTeacherTokenizer}. */
export interface FrozenTeacherTokenizerOptions {
  /** The teacher's backbone, e.g. the teacher of an iBOT checkpoint. The tokenizer takes ownership. */
  backbone: Backbone;
  /**
   * Maps the backbone's patch tokens to logits over the vocabulary: an iBOT head (its patch
   * output, `patchOutDim` ids), a DINO head or a linear head (`outDim` ids). The tokenizer takes
   * ownership.
   */
  head: IbotHead | DinoHead | LinearHead;
  /**
   * The normalisation the teacher was trained with, applied to the [0, 1] pixels first.
   * @defaultValue none (the pixels as given)
   */
  normalize?: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** A frozen network as a {@link Tokenizer}. */
export interface FrozenTeacherTokenizer extends Tokenizer {
  /**
   * `[batch, patches, vocabularySize]`: the teacher's patch logits, whose argmax `tokenize` returns.
   * The caller owns the result.
   */
  logits(images: tf.Tensor4D): tf.Tensor3D;
}

function isIbotHead(head: FrozenTeacherTokenizerOptions['head']): head is IbotHead {
  return typeof (head as IbotHead).projectClass === 'function';
}

/**
 * A frozen network as a visual tokenizer: each patch's id is the argmax of the network's logits
 * for that patch token, `argmax_k head(backbone(x))[n, k]`. With an iBOT or DINO teacher this is
 * the "teacher as tokenizer" of iBOT made offline (frozen rather than the EMA of the student);
 * load its weights from a checkpoint with `loadStateDict(tokenizer, stateDict, { prefix: 'teacher.' })`
 * (the tokenizer's parameters are `backbone.*` and `head.*`, listed as not trainable).
 *
 * @example
 * ```ts
 * const backbone = createVit({ preset: 'tiny', imageSize: 28, patchSize: 4, inChannels: 1, maskToken: false });
 * const head = createIbotHead({ inDim: 192, outDim: 1024, sharedHead: true });
 * const tokenizer = createFrozenTeacherTokenizer({ backbone, head, normalize: { mean: [0.286], std: [0.353] } });
 * loadStateDict(tokenizer, checkpointTensors, { prefix: 'teacher.' });
 * const ids = tokenizer.tokenize(images); // [B, 49] int32
 * ```
 */
export function createFrozenTeacherTokenizer(options: FrozenTeacherTokenizerOptions): FrozenTeacherTokenizer {
  const { backbone, head } = checkOptions('createFrozenTeacherTokenizer(options)', options);
  const vocabularySize = isIbotHead(head) ? head.config.patchOutDim : head.config.outDim;
  const inDim = head.config.inDim;
  if (inDim !== backbone.embedDim) {
    throw invalidArgument({
      argument: 'createFrozenTeacherTokenizer(options.head)',
      expected: `a head taking the backbone's ${backbone.embedDim}-wide tokens`,
      actual: `inDim ${inDim}`,
      code: 'SHAPE_MISMATCH',
    });
  }
  const norm = options.normalize;
  if (norm && (norm.mean.length !== backbone.inChannels || norm.std.length !== backbone.inChannels)) {
    throw invalidArgument({
      argument: 'createFrozenTeacherTokenizer(options.normalize)',
      expected: `${backbone.inChannels} mean and std value(s), one per channel`,
      actual: norm,
    });
  }
  const network = combineModules({ backbone, head });
  const parameters: Parameter[] = network.parameters().map((p) => ({ ...p, trainable: false }));
  let disposed = false;
  const logitsOf = (images: tf.Tensor4D): tf.Tensor3D => {
    const input = norm ? normalize(images, norm) : images;
    const features = backbone.encode(input);
    return isIbotHead(head) ? head.project(features).patchLogits : (head.project(features.patchTokens) as tf.Tensor3D);
  };
  const check = (method: string, images: tf.Tensor4D): void => {
    if (disposed) throw new SslError('DISPOSED', `frozenTeacherTokenizer.${method}: this tokenizer was disposed; create a new one.`);
    checkTokenizerImages(`frozenTeacherTokenizer.${method}`, images, backbone.patchSize, [backbone.inChannels]);
  };
  return {
    name: 'frozen-teacher',
    vocabularySize,
    patchSize: backbone.patchSize,
    parameters: () => parameters,
    logits(images) {
      check('logits', images);
      return tf.tidy('frozenTeacherTokenizer.logits', () => logitsOf(images));
    },
    tokenize(images) {
      check('tokenize', images);
      return tf.tidy('frozenTeacherTokenizer.tokenize', () => tf.argMax(logitsOf(images), 2) as tf.Tensor2D);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      network.dispose();
    },
  };
}
