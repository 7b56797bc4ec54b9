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

/**
 * A {@link MethodContext} reading files relative to `cwd`.
 *
 * @param restoring - a checkpoint is loaded into the pretraining right after (resume, eval, export).
 */
export function methodContext(iterationsPerEpoch: number, trainImages: () => Promise<ImageDataset>, cwd: string, restoring = false): MethodContext {
  return {
    iterationsPerEpoch,
    trainImages,
    restoring,
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

/**
 * The ViT configuration of a backbone made by `createVit`, or undefined for another backbone.
 *
 * @deprecated Read the {@link Backbone} contract instead: `arch`, `timm.kwargs`, `tokenGrid`.
 */
export function vitShapeOf(backbone: Backbone): VitShape | undefined {
  if (backbone.arch !== 'vit') return undefined;
  const config = (backbone as { config?: Partial<VitShape> }).config;
  if (!config || typeof config.depth !== 'number' || typeof config.headCount !== 'number' || !Array.isArray(config.imageSize)) return undefined;
  return config as VitShape;
}

const ARCH_TITLES: Readonly<Record<string, string>> = { vit: 'ViT', swin: 'Swin' };

/** A timm keyword as text: `4`, `[2, 2]`. */
function keyword(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(', ')}]` : String(value);
}

/**
 * `ViT dim 64, depth 4, 4 heads, patch 4, 28x28x1` or `Swin dim 32, depths [2, 2], heads [2, 4],
 * patch 2, 28x28x1`: the architecture from the backbone contract (`arch`, `timm.kwargs`).
 */
export function describeBackbone(backbone: Backbone): string {
  const k = backbone.timm.kwargs;
  const title = ARCH_TITLES[backbone.arch] ?? backbone.arch;
  const parts = [`${title} dim ${keyword(k.embed_dim ?? backbone.embedDim)}`];
  if (k.depth !== undefined) parts.push(`depth ${keyword(k.depth)}`);
  if (k.depths !== undefined) parts.push(`depths ${keyword(k.depths)}`);
  if (k.num_heads !== undefined) parts.push(Array.isArray(k.num_heads) ? `heads ${keyword(k.num_heads)}` : `${keyword(k.num_heads)} heads`);
  if (k.window_size !== undefined) parts.push(`window ${keyword(k.window_size)}`);
  const size = k.img_size === undefined ? undefined : Array.isArray(k.img_size) ? k.img_size.join('x') : `${keyword(k.img_size)}x${keyword(k.img_size)}`;
  parts.push(`patch ${backbone.patchSize}${size === undefined ? '' : `, ${size}x${backbone.inChannels}`}`);
  return parts.join(', ');
}
