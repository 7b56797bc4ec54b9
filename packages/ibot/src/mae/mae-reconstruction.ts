import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkNotDisposed, checkNumber, checkOptions, invalidArgument, type Backbone, type Rng } from '@selfsup/core';
import type { MaeDecoder } from '@selfsup/heads';
import { patchify, unpatchify } from '@selfsup/losses';
import { createRandomMasking, keepIndicesToTensor, restoreIndicesToTensor, tokenMaskToTensor } from '@selfsup/masking';
import type { MaeViews } from './mae-recipe.js';

/** The encoder and decoder of a masked autoencoder (`recipe.student.parts` of an MAE recipe). */
export interface MaeParts {
  readonly backbone: Backbone;
  readonly decoder: MaeDecoder;
}

/** Options of {@link reconstructMae}. */
export interface ReconstructMaeOptions {
  /**
   * Whether the model was trained on per-patch normalised pixels (`norm_pix_loss`, MAE's
   * `loss.normalizePixels`): its predictions are then in each patch's standardised units and are
   * mapped back with the mean and standard deviation of the same patch of `images` (as MAE's
   * visualisation of such models does).
   * @defaultValue true (MAE's recommended setting)
   */
  normalizePixels?: boolean;
}

/** What {@link reconstructMae} returns; NHWC like the input, in the input's (normalised) units. The caller owns them. */
export interface MaeReconstruction {
  /** `[batch, H, W, C]`: the decoder's pixels for every patch. */
  readonly reconstruction: tf.Tensor4D;
  /** `[batch, H, W, C]`: the input with the removed patches set to 0 (the mean colour in normalised units): what the encoder saw. */
  readonly masked: tf.Tensor4D;
  /** `[batch, H, W, C]`: the visible patches of the input with the reconstruction pasted into the removed ones (MAE's figure 2). */
  readonly pasted: tf.Tensor4D;
}

/**
 * Reconstructs images with a masked autoencoder, as the MAE paper's figures: the encoder sees the
 * kept patches of `views.images`, the decoder predicts every patch, per-patch normalised
 * predictions are mapped back to pixels (`normalizePixels`), and the visible patches are pasted
 * back. Runs in inference mode (no drop path).
 *
 * @param parts - the encoder and decoder (`recipe.student.parts`).
 * @param views - images and their mask as MAE's indices ({@link maeViewsFor} samples one).
 * @example
 * ```ts
 * const views = maeViewsFor(images, { maskRatio: 0.75, rng: createRng(0) }, backbone);
 * const { pasted } = reconstructMae(recipe.student.parts, views, { normalizePixels: true });
 * tf.dispose([views.keepIndices, views.restoreIndices, views.mask]);
 * ```
 */
export function reconstructMae(parts: MaeParts, views: MaeViews, options: ReconstructMaeOptions = {}): MaeReconstruction {
  const { backbone, decoder } = checkParts(parts);
  const { images, keepIndices, restoreIndices, mask } = checkOptions('reconstructMae(views)', views);
  for (const [name, t] of Object.entries({ images, keepIndices, restoreIndices, mask })) checkNotDisposed(`reconstructMae(views.${name})`, t);
  const { normalizePixels = true } = checkOptions('reconstructMae(options)', options, true);
  const [batch, height, width, channels] = images.shape;
  if (decoder.config.patchSize !== backbone.patchSize || decoder.config.inChannels !== channels) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `reconstructMae: the decoder predicts patches of ${decoder.config.patchSize}x${decoder.config.patchSize}x${decoder.config.inChannels}, but the encoder's patches are ${backbone.patchSize}x${backbone.patchSize} and the images have ${channels} channel(s). Pass the decoder trained with this encoder.`,
    );
  }
  const patchSize = backbone.patchSize;
  const grid = backbone.tokenGrid(height, width);
  const patches = grid[0] * grid[1];
  if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== patches) {
    throw new SslError('SHAPE_MISMATCH', `reconstructMae(views.mask): expected [${batch}, ${patches}] (the ${grid[0]}x${grid[1]} patch grid), got [${mask.shape.join(', ')}].`);
  }
  const result = tf.tidy('reconstructMae', () => {
    const { classToken, patchTokens } = backbone.encode(images, { keepIndices });
    // [B, D] and [B, K, D] -> [B, 1 + K, D], the [CLS] token first (as the recipe's forward)
    const latent = tf.concat([tf.expandDims(classToken, 1), patchTokens], 1) as tf.Tensor3D;
    let prediction: tf.Tensor3D = decoder.decode(latent, restoreIndices); // [B, N, p*p*C]
    const target = patchify(images, patchSize); // [B, N, p*p*C]
    if (normalizePixels) prediction = unnormalizePatches(prediction, target);
    const removed = tf.expandDims(tf.cast(mask, 'float32'), 2); // [B, N, 1]
    const kept = tf.sub(1, removed);
    const toImages = (t: tf.Tensor) => unpatchify(t as tf.Tensor3D, patchSize, grid);
    return {
      reconstruction: toImages(prediction),
      masked: toImages(tf.mul(target, kept)),
      pasted: toImages(tf.add(tf.mul(target, kept), tf.mul(prediction, removed))),
    };
  }) as unknown as MaeReconstruction;
  return result;
}

/**
 * Undoes MAE's per-patch normalisation of the target (`(x - mean) / sqrt(var + 1e-6)`, unbiased
 * variance, as `maeLoss`) on predictions, with each patch's statistics taken from `target`.
 */
function unnormalizePatches(prediction: tf.Tensor3D, target: tf.Tensor3D): tf.Tensor3D {
  const patchDim = target.shape[2];
  const mean = tf.mean(target, -1, true);
  const variance = tf.div(tf.sum(tf.square(tf.sub(target, mean)), -1, true), Math.max(patchDim - 1, 1));
  return tf.add(tf.mul(prediction, tf.sqrt(tf.add(variance, 1e-6))), mean) as tf.Tensor3D;
}

/** Options of {@link maeViewsFor}. */
export interface MaeViewsForOptions {
  /** The share of patches removed, MAE's `mask_ratio`. @defaultValue 0.75 */
  maskRatio?: number;
  /** Randomness of the mask. */
  rng: Rng;
}

/**
 * Samples MAE's random mask for `images` on the backbone's patch grid and returns the views
 * {@link reconstructMae} takes (the images are the same tensor, not a copy: dispose only
 * `keepIndices`, `restoreIndices` and `mask`, or all with `tf.dispose(Object.values(views))` when
 * the images are not needed any more).
 */
export function maeViewsFor(images: tf.Tensor4D, options: MaeViewsForOptions, backbone: Backbone): MaeViews {
  const { maskRatio = 0.75, rng } = checkOptions('maeViewsFor(options)', options);
  checkNumber('maeViewsFor(options.maskRatio)', maskRatio, 0, 1);
  checkNotDisposed('maeViewsFor(images)', images);
  const grid = backbone.tokenGrid(images.shape[1], images.shape[2]);
  const sample = createRandomMasking({ maskRatio }).sampleWithIndices(images.shape[0], { height: grid[0], width: grid[1] }, rng);
  return { images, keepIndices: keepIndicesToTensor(sample), restoreIndices: restoreIndicesToTensor(sample), mask: tokenMaskToTensor(sample.mask) };
}

function checkParts(parts: MaeParts): MaeParts {
  const { backbone, decoder } = checkOptions('reconstructMae(parts)', parts);
  if (typeof backbone?.encode !== 'function' || typeof decoder?.decode !== 'function') {
    throw invalidArgument({
      argument: 'reconstructMae(parts)',
      expected: '{ backbone, decoder } of a masked autoencoder (recipe.student.parts)',
      actual: parts,
    });
  }
  if (!backbone.acceptsKeepIndices) {
    throw new SslError('NOT_SUPPORTED', `reconstructMae(parts.backbone): MAE encodes only the kept patches, which needs keepIndices; arch "${backbone.arch}" does not take them. Use a ViT encoder.`);
  }
  return { backbone, decoder };
}
