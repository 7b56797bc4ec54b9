import { createVit, type Vit } from '@selfsup/backbones';
import type { BackboneConfig } from './backbone-config.js';

/**
 * The ViT of a backbone configuration. The student of DINO/iBOT/BEiT has a mask token (BEiT, iBOT)
 * or not (DINO, MAE) and drop path; a teacher has neither.
 *
 * @example
 * ```ts
 * const student = createBackbone(config.backbone, { seed: 0, maskToken: false, dropPathRate: 0.1 });
 * ```
 */
export function createBackbone(b: BackboneConfig, options: { seed: number; maskToken: boolean; dropPathRate: number }): Vit {
  return createVit({
    preset: b.preset,
    imageSize: b.imageSize,
    patchSize: b.patchSize,
    inChannels: b.inChannels,
    ...(b.embedDim !== undefined ? { embedDim: b.embedDim } : {}),
    ...(b.depth !== undefined ? { depth: b.depth } : {}),
    ...(b.headCount !== undefined ? { headCount: b.headCount } : {}),
    dropPathRate: options.dropPathRate,
    layerScaleInit: b.layerScaleInit,
    maskToken: options.maskToken,
    seed: options.seed,
  });
}
