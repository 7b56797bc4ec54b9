import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SslError, isSslError, type Backbone } from '@selfsup/core';
import type { ImageDataset } from '@selfsup/data';
import type { Pretraining } from '@selfsup/ibot';
import type { CliConfig } from './cli-config-schema.js';
import type { MethodContext, MethodDefinition } from './method-registry.js';

/**
 * Builds a method's pretraining; a block refusing its options (`INVALID_ARGUMENT`, e.g. an image
 * size that is not a multiple of the patch size) is a configuration error.
 */
export async function createPretraining(method: MethodDefinition, config: Record<string, unknown>, context: MethodContext): Promise<Pretraining> {
  try {
    return await method.create(config as never, context);
  } catch (error) {
    if (!isSslError(error, 'INVALID_ARGUMENT')) throw error;
    throw new SslError('INVALID_CONFIG', `the ${method.title} configuration cannot be built: ${error.message}`, {
      cause: error,
      details: error.details,
    });
  }
}

/** A {@link MethodContext} reading files relative to `cwd`. */
export function methodContext(iterationsPerEpoch: number, trainImages: () => Promise<ImageDataset>, cwd: string): MethodContext {
  return {
    iterationsPerEpoch,
    trainImages,
    readFile: (path: string) => {
      try {
        return new Uint8Array(readFileSync(resolve(cwd, path)));
      } catch (cause) {
        throw new SslError(
          'INVALID_CONFIG',
          `${path}: the file a configuration names cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}).`,
          { cause, details: { path } },
        );
      }
    },
  };
}

/** The method's own keys of a config (without `method`, `data` and `run`). */
export function methodConfigOf(config: CliConfig): Record<string, unknown> {
  const { method: _method, data: _data, run: _run, ...rest } = config;
  return rest;
}

/** The architecture of a ViT backbone as `createVit` reports it, when it is one. */
export interface VitShape {
  readonly imageSize: readonly [number, number];
  readonly patchSize: number;
  readonly inChannels: number;
  readonly embedDim: number;
  readonly depth: number;
  readonly headCount: number;
  readonly mlpRatio: number;
  readonly qkvBias: boolean;
  readonly layerNormEps: number;
  readonly layerScaleInit: number;
  readonly maskToken: boolean;
}

/** The ViT configuration of a backbone made by `createVit`, or undefined for another backbone. */
export function vitShapeOf(backbone: Backbone): VitShape | undefined {
  const config = (backbone as { config?: Partial<VitShape> }).config;
  if (!config || typeof config.depth !== 'number' || typeof config.headCount !== 'number' || !Array.isArray(config.imageSize)) return undefined;
  return config as VitShape;
}

/** `ViT dim 64, depth 4, 4 heads, patch 4, 28x28x1` (or the width and patch of another backbone). */
export function describeBackbone(backbone: Backbone): string {
  const vit = vitShapeOf(backbone);
  if (!vit) return `backbone dim ${backbone.embedDim}, patch ${backbone.patchSize}`;
  return `ViT dim ${vit.embedDim}, depth ${vit.depth}, ${vit.headCount} heads, patch ${vit.patchSize}, ${vit.imageSize[0]}x${vit.imageSize[1]}x${vit.inChannels}`;
}
