import { MAX_TENSOR_ELEMENTS } from '@selfsup/core';

/**
 * The most parameters {@link createVit} allocates: 2^31 - 1 (about 2.1 billion, 8.6 GB of float32;
 * ViT-g/14 has 1.1 billion). Larger sizes are refused before any weight is drawn.
 */
export const VIT_MAX_PARAMETERS = MAX_TENSOR_ELEMENTS;

/** The sizes that decide how many parameters a ViT has. */
export interface VitSizes {
  readonly imageSize: readonly [number, number];
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim: number;
  readonly depth: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly layerScaleInit: number;
  readonly maskToken: boolean;
}

/**
 * Counts the parameters of a ViT of the given sizes (a `Vit`'s `config` is one), without
 * allocating anything: the same count as the sizes of `vit.parameters()`.
 *
 * @example
 * ```ts
 * vitParameterCount(createVit({ preset: 'small' }).config); // 21,666,048 with the mask token
 * ```
 */
export function vitParameterCount(sizes: VitSizes): number {
  const d = sizes.embedDim;
  const hidden = Math.round(d * sizes.mlpRatio);
  const patchDim = sizes.patchSize * sizes.patchSize * sizes.inChannels;
  const patchCount = (sizes.imageSize[0] / sizes.patchSize) * (sizes.imageSize[1] / sizes.patchSize);
  const layerNorm = 2 * d;
  // cls_token, pos_embed, masked_embed, patch_embed.proj (weight and bias)
  const embeddings = d + (patchCount + 1) * d + (sizes.maskToken ? d : 0) + patchDim * d + d;
  const attention = d * 3 * d + (sizes.qkvBias ? 3 * d : 0) + d * d + d; // qkv and proj
  const mlp = d * hidden + hidden + hidden * d + d; // fc1 and fc2
  const layerScale = sizes.layerScaleInit > 0 ? 2 * d : 0; // gamma_1, gamma_2
  const block = 2 * layerNorm + attention + mlp + layerScale;
  return embeddings + sizes.depth * block + layerNorm;
}
