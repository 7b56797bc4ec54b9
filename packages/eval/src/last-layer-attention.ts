import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkNotDisposed, checkNumber, checkOptions, invalidArgument, type Backbone } from '@selfsup/core';

/** Options of {@link lastLayerAttention}. */
export interface LastLayerAttentionOptions {
  /**
   * Keep, per image and head, the most attended patches that hold this fraction of the [CLS]
   * token's attention to the patches, and return them as a 0/1 mask instead of probabilities
   * (DINO's `visualize_attention.py --threshold`, 0.6 there). In (0, 1].
   * @defaultValue undefined (probabilities)
   */
  keepMass?: number;
}

/**
 * The [CLS] token's attention over the patches in the last block, per head, on the patch grid:
 * what DINO's `visualize_attention.py` draws (`attentions[0, :, 0, 1:]` of
 * `get_last_selfattention`). Each map holds the softmax probabilities of the [CLS] query on the
 * patch keys (they sum to 1 minus the [CLS] token's attention to itself), or with `keepMass` a
 * 0/1 mask of the patches holding that share of the patch attention.
 *
 * Needs a backbone with {@link Backbone.lastSelfAttention} and a [CLS] token (a ViT). A Swin
 * Transformer attends inside windows and pools instead of a [CLS] token: use
 * {@link patchFeaturePca} for it.
 *
 * @param images - `[batch, height, width, channels]` NHWC, as `backbone.encode` takes them.
 * @returns `[batch, heads, gridHeight, gridWidth]` (`backbone.tokenGrid(height, width)`); the
 *   caller owns it.
 * @throws SslError `NOT_SUPPORTED` for a backbone without last-block attention (Swin).
 *
 * @example
 * ```ts
 * const vit = createVit({ preset: 'tiny', imageSize: 28, patchSize: 4, inChannels: 1 });
 * const maps = lastLayerAttention(vit, images); // [8, 3, 7, 7]
 * ```
 */
export function lastLayerAttention(backbone: Backbone, images: tf.Tensor4D, options: LastLayerAttentionOptions = {}): tf.Tensor4D {
  const { keepMass } = checkOptions('lastLayerAttention(options)', options, true);
  if (keepMass !== undefined) checkNumber('lastLayerAttention(options.keepMass)', keepMass, Number.MIN_VALUE, 1);
  const lastSelfAttention = checkAttentionBackbone(backbone);
  checkNotDisposed('lastLayerAttention(images)', images);
  if (!(images instanceof tf.Tensor) || images.rank !== 4) {
    throw invalidArgument({
      argument: 'lastLayerAttention(images)',
      expected: 'a rank-4 NHWC tensor [batch, height, width, channels]',
      actual: images instanceof tf.Tensor ? images.shape : images,
    });
  }
  const [batch, height, width] = images.shape;
  const [gridHeight, gridWidth] = backbone.tokenGrid(height, width);
  const patches = gridHeight * gridWidth;
  return tf.tidy('lastLayerAttention', () => {
    const attention = lastSelfAttention(images); // [B, H, 1+N, 1+N]
    const heads = attention.shape[1];
    if (attention.shape[2] !== 1 + patches) {
      throw new SslError(
        'SHAPE_MISMATCH',
        `lastLayerAttention: ${backbone.arch}.lastSelfAttention returned ${attention.shape[2]} tokens, expected 1 + ${patches} ([CLS] and the ${gridHeight}x${gridWidth} token grid).`,
      );
    }
    // [B, H, 1+N, 1+N] -> the [CLS] row over the patch keys [B, H, 1, N] -> [B*H, N]
    const cls = tf.reshape(tf.slice(attention, [0, 0, 0, 1], [batch, heads, 1, patches]), [batch * heads, patches]) as tf.Tensor2D;
    const maps = keepMass === undefined ? cls : keepMassMask(cls, keepMass);
    return tf.reshape(maps, [batch, heads, gridHeight, gridWidth]) as tf.Tensor4D;
  });
}

/** The backbone's `lastSelfAttention`, or an SslError saying why there is none. */
function checkAttentionBackbone(backbone: Backbone): (images: tf.Tensor4D) => tf.Tensor4D {
  if (backbone === null || typeof backbone !== 'object' || typeof backbone.tokenGrid !== 'function') {
    throw invalidArgument({ argument: 'lastLayerAttention(backbone)', expected: 'a Backbone (createVit, createBackbone)', actual: backbone });
  }
  const method = backbone.lastSelfAttention;
  if (typeof method !== 'function') {
    const why =
      backbone.arch === 'swin'
        ? 'a Swin Transformer has no [CLS] token and attends only inside local windows, so there is no global [CLS] attention map'
        : `the backbone (arch "${backbone.arch}") does not expose its last block's attention (Backbone.lastSelfAttention)`;
    throw new SslError('NOT_SUPPORTED', `lastLayerAttention(backbone): ${why}. Use patchFeaturePca({ backbone, images }) to see what its patch features learned.`, {
      details: { argument: 'backbone', arch: backbone.arch },
    });
  }
  return (images) => method.call(backbone, images);
}

/**
 * Per row of probabilities `[rows, N]`: 1 on the most attended entries that together hold
 * `keepMass` of the row's sum, 0 elsewhere (DINO's threshold: sort, normalise, cumulative sum).
 */
function keepMassMask(rows: tf.Tensor2D, keepMass: number): tf.Tensor2D {
  const count = rows.shape[1];
  const { values: sorted } = tf.topk(rows, count, true); // descending
  const normalised = tf.div(sorted, tf.sum(sorted, 1, true));
  // an entry is kept while the mass before it is below keepMass: the smallest set reaching it
  const before = tf.sub(tf.cumsum(normalised, 1), normalised);
  const keptCount = tf.sum(tf.cast(tf.less(before, keepMass), 'int32'), 1); // [rows], >= 1
  // the smallest kept value per row: sorted[row, keptCount - 1]
  const pick = tf.cast(tf.oneHot(tf.sub(keptCount, tf.scalar(1, 'int32')) as tf.Tensor1D, count), 'float32'); // [rows, N]
  const threshold = tf.sum(tf.mul(sorted, pick), 1, true); // [rows, 1]
  return tf.cast(tf.greaterEqual(rows, threshold), 'float32') as tf.Tensor2D;
}
