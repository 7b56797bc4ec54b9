import type { Vit } from '@selfsup/backbones';
import { createBackbone as createRegisteredBackbone } from '@selfsup/backbones/config';
import type { Backbone } from '@selfsup/core';
import type { BackboneConfig, VitBackboneConfig } from './backbone-config.js';

/** What the method decides for a network: its seed, whether it has a mask token, its drop path. */
export interface MethodBackboneOptions {
  readonly seed: number;
  readonly maskToken: boolean;
  readonly dropPathRate: number;
}

/** The keys of a section that `@selfsup/backbones`' registry takes (method-only keys such as MAE's `positionEmbedding` are left to the method). */
function registryConfig(section: BackboneConfig, options: MethodBackboneOptions) {
  const common = { seed: options.seed, maskToken: options.maskToken, dropPathRate: options.dropPathRate };
  if (section.arch === 'swin') {
    const { arch: _arch, dropPathRate: _dropPathRate, ...swin } = section;
    return { arch: 'swin' as const, ...swin, ...common };
  }
  const v = section;
  return {
    arch: 'vit' as const,
    preset: v.preset,
    imageSize: v.imageSize,
    patchSize: v.patchSize,
    inChannels: v.inChannels,
    ...(v.embedDim !== undefined ? { embedDim: v.embedDim } : {}),
    ...(v.depth !== undefined ? { depth: v.depth } : {}),
    ...(v.headCount !== undefined ? { headCount: v.headCount } : {}),
    layerScaleInit: v.layerScaleInit,
    ...common,
  };
}

/**
 * The network of a method's backbone section, built by `@selfsup/backbones`' registry
 * (`createBackbone`): a ViT or a Swin Transformer. The student of DINO/iBOT/BEiT has a mask token
 * (BEiT, iBOT) or not (DINO, MAE) and drop path; a teacher has neither.
 *
 * @example
 * ```ts
 * const student = createMethodBackbone(config.backbone, { seed: 0, maskToken: false, dropPathRate: 0.1 });
 * const grid = student.maskGrid(28, 28); // where iBOT samples its masks
 * ```
 */
export function createMethodBackbone(section: VitBackboneConfig, options: MethodBackboneOptions): Vit;
export function createMethodBackbone(section: BackboneConfig, options: MethodBackboneOptions): Backbone;
export function createMethodBackbone(section: BackboneConfig, options: MethodBackboneOptions): Backbone {
  return createRegisteredBackbone(registryConfig({ ...section, arch: section.arch ?? 'vit' } as BackboneConfig, options));
}

/**
 * @deprecated Use {@link createMethodBackbone} (same arguments); `createBackbone` of
 * `@selfsup/backbones` builds a backbone from a full registry config.
 */
export const createBackbone = createMethodBackbone;
