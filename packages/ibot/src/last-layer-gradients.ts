import type { GradientOptions } from '@selfsup/train';

/**
 * DINO's and iBOT's gradient handling: each parameter's gradient clipped to `clipGradient` on its
 * own (0 disables it), and the projection head's last layer frozen for `freezeLastLayerEpochs`.
 *
 * @example
 * ```ts
 * await train({ recipe, optimizer, gradients: lastLayerGradients(config.optimizer), ... });
 * ```
 */
export function lastLayerGradients(o: { readonly clipGradient: number; readonly freezeLastLayerEpochs: number }): GradientOptions {
  return {
    ...(o.clipGradient > 0 ? { clipPerParameter: o.clipGradient } : {}),
    freeze: [{ match: (name: string) => name.includes('last_layer'), untilEpoch: o.freezeLastLayerEpochs }],
  };
}
