import type { AugmentationConfig } from './augmentation-config.js';
import type { BackboneConfig } from './backbone-config.js';

/** What the images given to a method's backbone look like, read from its configuration. */
export interface MethodInput {
  /** Image channels the backbone takes (`backbone.inChannels`). */
  readonly channels: number;
  /** The side at which images are encoded for evaluation (the global crop size). */
  readonly imageSize: number;
  /** Per-channel mean of the normalisation applied to the crops (`augmentation.mean`). */
  readonly mean: readonly number[];
  /** Per-channel standard deviation of that normalisation (`augmentation.std`). */
  readonly std: readonly number[];
}

function numbers(value: unknown): number[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'number') ? (value as number[]) : undefined;
}

/**
 * The input of a method that does not state one (`MethodDefinition.input`), read by convention:
 * `backbone.inChannels`; the crop side `augmentation.globalSize` (multi-crop methods) or
 * `augmentation.size` (single-view methods), else `backbone.imageSize`; `augmentation.mean` and
 * `augmentation.std` (else 0 and 1).
 */
export function methodInputOf(config: unknown): MethodInput {
  const c = (config ?? {}) as { backbone?: { inChannels?: unknown; imageSize?: unknown }; augmentation?: Record<string, unknown> };
  const channels = typeof c.backbone?.inChannels === 'number' ? c.backbone.inChannels : 3;
  const cropSize = c.augmentation?.globalSize ?? c.augmentation?.size;
  const imageSize = typeof cropSize === 'number' ? cropSize : typeof c.backbone?.imageSize === 'number' ? c.backbone.imageSize : 224;
  return {
    channels,
    imageSize,
    mean: numbers(c.augmentation?.mean) ?? new Array<number>(channels).fill(0),
    std: numbers(c.augmentation?.std) ?? new Array<number>(channels).fill(1),
  };
}

/**
 * The input of a multi-crop method (iBOT, DINO, DINOv2-style): images of `backbone.inChannels`
 * channels encoded at the global crop side, normalised as the crops are.
 */
export function multiCropInput(config: { readonly backbone: Pick<BackboneConfig, 'inChannels'>; readonly augmentation: Pick<AugmentationConfig, 'globalSize' | 'mean' | 'std'> }): MethodInput {
  const { backbone: b, augmentation: a } = config;
  return { channels: b.inChannels, imageSize: a.globalSize, mean: a.mean, std: a.std };
}

/**
 * The input of a single-view method (MAE, BEiT-style): images of `backbone.inChannels` channels
 * encoded at the crop side `augmentation.size`, normalised as the crop is.
 */
export function singleViewInput(config: {
  readonly backbone: Pick<BackboneConfig, 'inChannels'>;
  readonly augmentation: { readonly size: number; readonly mean: readonly number[]; readonly std: readonly number[] };
}): MethodInput {
  const { backbone: b, augmentation: a } = config;
  return { channels: b.inChannels, imageSize: a.size, mean: a.mean, std: a.std };
}
