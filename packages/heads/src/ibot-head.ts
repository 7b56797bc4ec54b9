import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkInteger, invalidArgument, type Module, type Parameter } from '@selfsup/core';
import { linear } from '@selfsup/backbones';
import { createProjectionMlp, type HeadCallOptions } from './projection-mlp.js';
import { createWeightNormLinear } from './weight-norm-linear.js';
import { l2Normalize } from './l2-normalize.js';
import { resolveHeadOptions, type ProjectionHeadOptions } from './head-options.js';

/** Options of {@link createIbotHead}. */
export interface IbotHeadOptions extends ProjectionHeadOptions {
  /**
   * Prototypes of the patch output. With `sharedHead` it must equal `outDim`.
   * @defaultValue outDim
   */
  patchOutDim?: number;
  /**
   * Project patch tokens with the [CLS] head's last layer (iBOT's `shared_head`) instead of a
   * separate `last_layer2`. The state dict still lists `last_layer2.*` (the same tensors), as
   * PyTorch does.
   * @defaultValue false
   */
  sharedHead?: boolean;
}

/** Token features in either layout a ViT gives them. */
export type IbotHeadInput =
  | tf.Tensor3D
  | { readonly classToken: tf.Tensor2D; readonly patchTokens: tf.Tensor3D };

/** What {@link IbotHead.project} returns; the caller owns both tensors. */
export interface IbotHeadOutput {
  /** `[batch, outDim]`: logits of the [CLS] token. */
  readonly classLogits: tf.Tensor2D;
  /** `[batch, patches, patchOutDim]`: logits of each patch token. */
  readonly patchLogits: tf.Tensor3D;
}

/** The iBOT projection head with its configuration. */
export interface IbotHead extends Module {
  readonly config: Readonly<Omit<Required<IbotHeadOptions>, 'rng' | 'seed'>>;
  /**
   * Projects the [CLS] token and the patch tokens, given as `[batch, 1 + patches, inDim]` (the
   * [CLS] token first, as `return_all_tokens`) or as a ViT's `{ classToken, patchTokens }`.
   */
  project(tokens: IbotHeadInput, options?: HeadCallOptions): IbotHeadOutput;
  /**
   * `[batch, inDim] -> [batch, outDim]`: the [CLS] path alone, for local crops whose patch
   * tokens are not used. The caller owns the result.
   */
  projectClass(classToken: tf.Tensor2D, options?: HeadCallOptions): tf.Tensor2D;
}

/**
 * Creates the iBOT projection head (Zhou et al., 2022): the DINO head's MLP and L2-normalised
 * bottleneck applied to every token, then the [CLS] token goes through the weight-normalised
 * `last_layer` and the patch tokens through `last_layer2`, a second one with `patchOutDim`
 * prototypes, or through `last_layer` too when `sharedHead` is on. Parameters carry the official
 * PyTorch names; with `sharedHead`, `last_layer2.*` are listed again as aliases of `last_layer.*`
 * (`trainable: false`, so optimizers and the EMA teacher see each variable once) and a state dict
 * holding both (as PyTorch's) loads.
 *
 * @example
 * ```ts
 * const vit = createVit({ preset: 'tiny', imageSize: 32, patchSize: 4, depth: 2 });
 * const head = createIbotHead({ inDim: 192, outDim: 1024, patchOutDim: 1024, sharedHead: true, hiddenDim: 512, bottleneckDim: 64 });
 * const features = vit.encode(tf.randomUniform([2, 32, 32, 3]) as tf.Tensor4D);
 * const { classLogits, patchLogits } = head.project(features); // [2, 1024], [2, 64, 1024]
 * ```
 */
export function createIbotHead(options: IbotHeadOptions): IbotHead {
  const o = resolveHeadOptions('createIbotHead', options);
  const sharedHead = options.sharedHead ?? false;
  const patchOutDim = checkInteger('createIbotHead(options.patchOutDim)', options.patchOutDim ?? o.outDim, 1);
  if (sharedHead && patchOutDim !== o.outDim) {
    throw invalidArgument({
      argument: 'createIbotHead(options.patchOutDim)',
      expected: `outDim (${o.outDim}) when sharedHead is on`,
      actual: patchOutDim,
      fix: 'A shared head projects patches with the [CLS] prototypes: set patchOutDim = outDim, or sharedHead: false.',
    });
  }
  const mlp = createProjectionMlp({ inDim: o.inDim, hiddenDim: o.hiddenDim, outDim: o.bottleneckDim, layerCount: o.layerCount, norm: o.norm, activation: o.activation, rng: o.rng });
  const lastLayer = createWeightNormLinear({ prefix: 'last_layer', inDim: o.bottleneckDim, outDim: o.outDim, fixedGain: o.normalizeLastLayer, rng: o.rng });
  const patchLayer = sharedHead
    ? lastLayer
    : createWeightNormLinear({ prefix: 'last_layer2', inDim: o.bottleneckDim, outDim: patchOutDim, fixedGain: o.normalizeLastLayer, rng: o.rng });
  const owned: Parameter[] = [...mlp.parameters(), ...lastLayer.parameters(), ...(sharedHead ? [] : patchLayer.parameters())];
  const aliases: Parameter[] = sharedHead
    ? lastLayer.parameters().map((p) => ({ ...p, name: p.name.replace(/^last_layer\./, 'last_layer2.'), trainable: false }))
    : [];
  const parameters = [...owned, ...aliases];
  let disposed = false;

  function checkAlive(where: string): void {
    if (disposed) throw new SslError('DISPOSED', `ibotHead.${where}: this head was disposed; create a new one.`);
  }

  function badShape(argument: string, expected: string, actual: unknown): SslError {
    return invalidArgument({
      argument,
      expected,
      actual: actual instanceof tf.Tensor ? actual.shape : actual,
      code: 'SHAPE_MISMATCH',
      fix: `The head was created for features of width ${o.inDim}.`,
    });
  }

  function project(tokens: IbotHeadInput, call: HeadCallOptions = {}): IbotHeadOutput {
    checkAlive('project');
    let batch: number;
    let patches: number;
    if (tokens instanceof tf.Tensor) {
      if (tokens.rank !== 3 || tokens.shape[2] !== o.inDim || tokens.shape[1] < 1) {
        throw badShape('ibotHead.project(tokens)', `[batch, 1 + patches, ${o.inDim}] ([CLS] first)`, tokens);
      }
      batch = tokens.shape[0];
      patches = tokens.shape[1] - 1;
    } else {
      const { classToken, patchTokens } = tokens ?? {};
      if (!(classToken instanceof tf.Tensor) || classToken.rank !== 2 || classToken.shape[1] !== o.inDim) {
        throw badShape('ibotHead.project(tokens.classToken)', `[batch, ${o.inDim}]`, classToken);
      }
      batch = classToken.shape[0];
      if (!(patchTokens instanceof tf.Tensor) || patchTokens.rank !== 3 || patchTokens.shape[0] !== batch || patchTokens.shape[2] !== o.inDim) {
        throw badShape('ibotHead.project(tokens.patchTokens)', `[${batch}, patches, ${o.inDim}] (the batch of classToken)`, patchTokens);
      }
      patches = patchTokens.shape[1];
    }
    return tf.tidy('ibotHead.project', () => {
      let rows: tf.Tensor2D;
      if (tokens instanceof tf.Tensor) {
        rows = tf.reshape(tokens, [batch * (patches + 1), o.inDim]); // [B, 1+N, D] -> [B*(1+N), D]
      } else {
        // [B, D] and [B, N, D] -> [B + B*N, D]: the [CLS] rows first
        rows = tf.concat([tokens.classToken, tf.reshape(tokens.patchTokens, [batch * patches, o.inDim])], 0);
      }
      const z = l2Normalize(mlp.apply(rows, call)); // [rows, bottleneck]
      const k = o.bottleneckDim;
      let classRows: tf.Tensor2D;
      let patchRows: tf.Tensor2D;
      if (tokens instanceof tf.Tensor) {
        const z3 = tf.reshape(z, [batch, patches + 1, k]); // [B*(1+N), K] -> [B, 1+N, K]
        classRows = tf.reshape(tf.slice(z3, [0, 0, 0], [batch, 1, k]), [batch, k]); // [B, 1, K] -> [B, K]
        patchRows = tf.reshape(tf.slice(z3, [0, 1, 0], [batch, patches, k]), [batch * patches, k]); // [B, N, K] -> [B*N, K]
      } else {
        classRows = tf.slice(z, [0, 0], [batch, k]);
        patchRows = tf.slice(z, [batch, 0], [batch * patches, k]);
      }
      // a shared head forms its normalised weight once for both outputs
      const sharedWeight = sharedHead ? lastLayer.weight() : undefined;
      const classLogits = sharedWeight ? linear(classRows, sharedWeight) : lastLayer.apply(classRows);
      const patchRowLogits = sharedWeight ? linear(patchRows, sharedWeight) : patchLayer.apply(patchRows);
      // [B*N, P] -> [B, N, P]
      return { classLogits, patchLogits: tf.reshape(patchRowLogits, [batch, patches, patchOutDim]) as tf.Tensor3D };
    });
  }

  return {
    config: {
      inDim: o.inDim,
      outDim: o.outDim,
      patchOutDim,
      layerCount: o.layerCount,
      hiddenDim: o.hiddenDim,
      bottleneckDim: o.bottleneckDim,
      normalizeLastLayer: o.normalizeLastLayer,
      norm: o.norm,
      activation: o.activation,
      sharedHead,
    },
    parameters: () => parameters,
    project,
    projectClass(classToken, call = {}) {
      checkAlive('projectClass');
      if (!(classToken instanceof tf.Tensor) || classToken.rank !== 2 || classToken.shape[1] !== o.inDim) {
        throw badShape('ibotHead.projectClass(classToken)', `[batch, ${o.inDim}]`, classToken);
      }
      return tf.tidy('ibotHead.projectClass', () => lastLayer.apply(l2Normalize(mlp.apply(classToken, call))));
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const p of owned) p.variable.dispose();
    },
  };
}
