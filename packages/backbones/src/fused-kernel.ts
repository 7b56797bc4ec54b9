import * as tf from '@tensorflow/tfjs-core';

/**
 * The names of the fused kernels a backend may register to run a backbone layer (or an AdamW
 * update, or the clipping of one gradient) in one call (docs/concepts/fused-kernels.md has each
 * kernel's inputs, attributes and outputs). A backend that registers none runs the composite
 * formulas of layer-norm.ts, gelu.ts, linear.ts and @selfsup/optim's adamw.ts and
 * clip-gradients-per-parameter.ts instead.
 */
export const FUSED_KERNELS = {
  /** inputs `{ x: [rows, dim], gamma: [dim], beta: [dim] }`, attrs `{ epsilon }` -> `[y, mean [rows, 1], rstd [rows, 1]]` */
  layerNorm: 'SelfsupLayerNorm',
  /** inputs `{ dy, x, gamma, mean, rstd }` -> `[dx [rows, dim], dgamma [dim], dbeta [dim]]` */
  layerNormGrad: 'SelfsupLayerNormGrad',
  /** inputs `{ x }` (any shape) -> `[y]`, the exact (erf) GELU */
  gelu: 'SelfsupGelu',
  /** inputs `{ dy, x }` -> `[dx]` */
  geluGrad: 'SelfsupGeluGrad',
  /** inputs `{ dy [rows, out], x [rows, in], w [in, out] }`, attrs `{ bias }` -> `[dx, dw]` (and `db [out]` with a bias) */
  linearGrad: 'SelfsupLinearGrad',
  /**
   * inputs `{ p, g, m, v }` (one shape), attrs `{ decay, beta1, oneMinusBeta1, beta2, oneMinusBeta2,
   * biasCorrection2Sqrt, eps, stepSize }` -> `[p', m', v']`: one AdamW update of one parameter,
   * which `createAdamW` in @selfsup/optim runs when the backend registers it.
   */
  adamw: 'SelfsupAdamW',
  /**
   * inputs `{ g }` (float32, any shape), attrs `{ maxNorm }` -> `[clipped (g's shape), norm (a
   * scalar)]`: `norm = sqrt(sum(g^2))`, `c = maxNorm / (norm + 1e-6)`, `clipped = c < 1 ? g * c : g`
   * (a NaN norm leaves g as it is), which `clipGradientsPerParameter` in @selfsup/optim runs per
   * parameter when the backend registers it.
   */
  clipNorm: 'SelfsupClipNorm',
} as const;

/** One of {@link FUSED_KERNELS}. */
export type FusedKernelName = (typeof FUSED_KERNELS)[keyof typeof FUSED_KERNELS];

/** True when the active backend registers the kernel `name` (then the layer runs it in one call). */
export function hasFusedKernel(name: FusedKernelName): boolean {
  return tf.getKernel(name, tf.getBackend()) != null;
}

/**
 * Runs the fused kernel `name` on the active backend and returns its outputs in the contract's
 * order (a single output comes back as a one-element list). The caller owns them.
 */
export function runFusedKernel(name: FusedKernelName, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const outputs = tf.engine().runKernel(name, inputs, attrs) as tf.Tensor | tf.Tensor[];
  return Array.isArray(outputs) ? outputs : [outputs];
}
