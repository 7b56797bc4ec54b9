import * as tf from '@tensorflow/tfjs-core';
import { SslError, checkNotDisposed, checkNumber, checkOptions, invalidArgument, type Backbone } from '@selfsup/core';
import { principalComponents } from './principal-components.js';

/** Options of {@link patchFeaturePca}. */
export interface PatchFeaturePcaOptions {
  /**
   * Separate foreground from background on the first component, as DINOv2's PCA pictures: the
   * first component of a PCA of every patch is min-max scaled to [0, 1], patches on the
   * `foreground` side of `threshold` are kept, a second PCA is fitted on them alone and colours
   * them; background patches are black (0, 0, 0).
   * @defaultValue undefined (one PCA of every patch, no background)
   */
  background?: {
    /** In [0, 1], on the min-max scaled first component (DINOv2's notebooks use about 0.35 to 0.6). */
    readonly threshold: number;
    /**
     * Which side of the threshold is the object: the sign of a component is arbitrary, so flip
     * this when the picture shows the background.
     * @defaultValue 'above'
     */
    readonly foreground?: 'above' | 'below';
  };
}

/** Patch features to colour: a backbone and its images. */
export interface PatchFeatureSource {
  readonly backbone: Backbone;
  /** `[batch, height, width, channels]` NHWC. */
  readonly images: tf.Tensor4D;
}

/**
 * Colours each patch by the first three principal components of the patch features of the whole
 * batch, as DINOv2's PCA visualisations: one PCA over all `batch * patches` feature vectors,
 * the projections on components 1, 2, 3 are red, green and blue, each min-max scaled to [0, 1]
 * over the batch. Parts that a model sees as alike get alike colours across images.
 *
 * The PCA runs on the device (power iteration, no read back). Each component's sign is fixed
 * (its largest-magnitude coordinate is positive), so the same features give the same picture.
 *
 * @param patchTokens - `[batch, patches, dim]` (`backbone.encode(images).patchTokens`), row-major
 *   over `grid`.
 * @param grid - `[rows, columns]` of the patches (`backbone.tokenGrid(height, width)`).
 * @returns `[batch, rows, columns, 3]` RGB in [0, 1]; the caller owns it.
 *
 * @example
 * ```ts
 * const rgb = patchFeaturePca({ backbone: vit, images }); // [8, 7, 7, 3]
 * const same = patchFeaturePca(vit.encode(images).patchTokens, vit.tokenGrid(28, 28), { background: { threshold: 0.5 } });
 * ```
 */
export function patchFeaturePca(patchTokens: tf.Tensor3D, grid: readonly [number, number], options?: PatchFeaturePcaOptions): tf.Tensor4D;
/** The same, encoding `images` with `backbone` (inference mode) first. */
export function patchFeaturePca(source: PatchFeatureSource, options?: PatchFeaturePcaOptions): tf.Tensor4D;
export function patchFeaturePca(
  input: tf.Tensor3D | PatchFeatureSource,
  gridOrOptions?: readonly [number, number] | PatchFeaturePcaOptions,
  maybeOptions?: PatchFeaturePcaOptions,
): tf.Tensor4D {
  if (input instanceof tf.Tensor) {
    return pcaOfTokens(input, checkGrid(gridOrOptions, input), checkPcaOptions(maybeOptions));
  }
  const { backbone, images } = checkSource(input);
  const options = checkPcaOptions(gridOrOptions as PatchFeaturePcaOptions | undefined);
  const grid = backbone.tokenGrid(images.shape[1], images.shape[2]);
  return tf.tidy('patchFeaturePca', () => {
    const { classToken, patchTokens } = backbone.encode(images);
    classToken.dispose();
    return pcaOfTokens(patchTokens, grid, options);
  });
}

function pcaOfTokens(tokens: tf.Tensor3D, grid: readonly [number, number], options: PatchFeaturePcaOptions): tf.Tensor4D {
  const [batch, patches, dim] = tokens.shape;
  return tf.tidy('patchFeaturePca', () => {
    const rows = tf.reshape(tokens, [batch * patches, dim]) as tf.Tensor2D; // [B, N, D] -> [B*N, D]
    let weights: tf.Tensor1D | undefined;
    if (options.background) {
      const first = scaledComponents(rows, undefined, 1); // [B*N, 1]
      const { threshold, foreground = 'above' } = options.background;
      const side = foreground === 'above' ? tf.greater(first, threshold) : tf.less(first, threshold);
      weights = tf.cast(tf.reshape(side, [batch * patches]), 'float32') as tf.Tensor1D;
    }
    const rgb = scaledComponents(rows, weights, 3); // [B*N, 3]
    const shown = weights ? tf.mul(rgb, tf.expandDims(weights, 1)) : rgb;
    // [B*N, 3] -> [B, rows, columns, 3]
    return tf.reshape(shown, [batch, grid[0], grid[1], 3]) as tf.Tensor4D;
  });
}

/**
 * Projections of `rows` on their first `count` principal components (fitted on rows of weight
 * 1), each min-max scaled to [0, 1] over those rows and clipped (a constant component is 0).
 */
function scaledComponents(rows: tf.Tensor2D, weights: tf.Tensor1D | undefined, count: number): tf.Tensor2D {
  const { mean, directions } = principalComponents(rows, { count, ...(weights ? { rowWeights: weights } : {}) });
  const projected = tf.matMul(tf.sub(rows, mean), directions); // [M, count]
  const inside = weights ? tf.tile(tf.expandDims(tf.cast(weights, 'bool'), 1), [1, count]) : undefined;
  const low = tf.min(inside ? tf.where(inside, projected, tf.fill(projected.shape, Infinity)) : projected, 0);
  const high = tf.max(inside ? tf.where(inside, projected, tf.fill(projected.shape, -Infinity)) : projected, 0);
  const range = tf.sub(high, low);
  const safeRange = tf.where(tf.greater(range, 1e-12), range, tf.onesLike(range));
  const scaled = tf.div(tf.sub(projected, low), safeRange);
  const nonConstant = tf.cast(tf.greater(range, 1e-12), 'float32');
  return tf.mul(tf.clipByValue(scaled, 0, 1), nonConstant) as tf.Tensor2D;
}

function checkPcaOptions(options: PatchFeaturePcaOptions | undefined): PatchFeaturePcaOptions {
  const checked = checkOptions('patchFeaturePca(options)', options ?? {}, true);
  if (checked.background !== undefined) {
    const { threshold, foreground } = checkOptions('patchFeaturePca(options.background)', checked.background);
    checkNumber('patchFeaturePca(options.background.threshold)', threshold, 0, 1);
    if (foreground !== undefined && foreground !== 'above' && foreground !== 'below') {
      throw invalidArgument({ argument: 'patchFeaturePca(options.background.foreground)', expected: "'above' or 'below'", actual: foreground });
    }
  }
  return checked;
}

function checkGrid(grid: unknown, tokens: tf.Tensor3D): readonly [number, number] {
  checkNotDisposed('patchFeaturePca(patchTokens)', tokens);
  if (tokens.rank !== 3) {
    throw invalidArgument({
      argument: 'patchFeaturePca(patchTokens)',
      expected: 'a rank-3 tensor [batch, patches, dim]',
      actual: tokens.shape,
      fix: 'Pass backbone.encode(images).patchTokens, or { backbone, images }.',
    });
  }
  const ok = Array.isArray(grid) && grid.length === 2 && grid.every((d) => Number.isInteger(d) && d >= 1);
  if (!ok) {
    throw invalidArgument({
      argument: 'patchFeaturePca(grid)',
      expected: '[rows, columns] of the patch grid',
      actual: grid,
      fix: 'Pass backbone.tokenGrid(height, width).',
    });
  }
  const [rows, columns] = grid as [number, number];
  if (rows * columns !== tokens.shape[1]) {
    throw new SslError(
      'SHAPE_MISMATCH',
      `patchFeaturePca(grid): a ${rows}x${columns} grid holds ${rows * columns} patches, but patchTokens has ${tokens.shape[1]} per image ([${tokens.shape.join(', ')}]). Pass backbone.tokenGrid(height, width) of the encoded images.`,
      { details: { argument: 'grid', expected: tokens.shape[1], actual: rows * columns } },
    );
  }
  return [rows, columns];
}

function checkSource(source: unknown): PatchFeatureSource {
  const s = source as Partial<PatchFeatureSource> | null;
  if (s === null || typeof s !== 'object' || typeof s.backbone?.encode !== 'function' || !(s.images instanceof tf.Tensor)) {
    throw invalidArgument({
      argument: 'patchFeaturePca(input)',
      expected: 'patch tokens [batch, patches, dim] with a grid, or { backbone, images }',
      actual: source,
    });
  }
  checkNotDisposed('patchFeaturePca(input.images)', s.images);
  if (s.images.rank !== 4) {
    throw invalidArgument({ argument: 'patchFeaturePca(input.images)', expected: 'NHWC images [batch, height, width, channels]', actual: s.images.shape });
  }
  return s as PatchFeatureSource;
}
