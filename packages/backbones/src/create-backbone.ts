import type { z } from 'zod';
import { SslError, describeValue, type Backbone } from '@selfsup/core';
import { backboneConfigSchema, type BackboneConfig, type BackboneConfigInput } from './backbone-config.js';
import { createSwin, type Swin } from './swin.js';
import { createVit, type Vit } from './vit.js';

/**
 * The architectures {@link createBackbone} builds, by `arch`: each entry turns its validated config
 * into a backbone. Adding an architecture is an entry here and a member of `backboneConfigSchema`.
 */
export const BACKBONE_ARCHITECTURES = {
  vit: (config: Extract<BackboneConfig, { arch: 'vit' }>): Vit => {
    const { arch: _arch, ...options } = config;
    return createVit(options);
  },
  swin: (config: Extract<BackboneConfig, { arch: 'swin' }>): Swin => {
    const { arch: _arch, ...options } = config;
    return createSwin(options);
  },
} as const satisfies { [Arch in BackboneConfig['arch']]: (config: Extract<BackboneConfig, { arch: Arch }>) => Backbone };

/** The value at `path` in `config` (undefined where the path leaves it). */
function valueAt(config: unknown, path: readonly PropertyKey[]): unknown {
  let value = config;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/** `config.patchSize: Too small: expected number to be >0, got 0; ...`: each issue with the value it found. */
function describeIssues(config: unknown, issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => `${issue.path.length ? `config.${issue.path.join('.')}` : 'config'}: ${issue.message}, got ${describeValue(valueAt(config, issue.path))}`)
    .join('; ');
}

/**
 * Builds any backbone from its config, `{ arch: 'vit', ... }` or `{ arch: 'swin', ... }` (the
 * options of `createVit` and `createSwin`, validated by `backboneConfigSchema` with the same
 * defaults). Recipes, the CLI and export then use only the {@link Backbone} contract.
 *
 * @throws SslError `INVALID_CONFIG` for an unknown `arch` (listing the known ones) or a key of the wrong
 *   type or range (naming each); `INVALID_ARGUMENT` / `NOT_SUPPORTED` from `createVit` / `createSwin`
 *   for options that conflict (`imageSize` not a multiple of `patchSize`, `headCount` not dividing
 *   `embedDim`).
 *
 * @example
 * ```ts
 * const vit = createBackbone({ arch: 'vit', preset: 'tiny', imageSize: 32, patchSize: 4 });
 * const swin = createBackbone({ arch: 'swin', imageSize: 32, patchSize: 2, embedDim: 32, depths: [2, 2], headCounts: [2, 4], windowSize: 4 });
 * const grid = swin.maskGrid(32, 32); // [8, 8]: where iBOT samples its masks for this backbone
 * ```
 */
export function createBackbone(config: Extract<BackboneConfigInput, { arch: 'vit' }>): Vit;
export function createBackbone(config: Extract<BackboneConfigInput, { arch: 'swin' }>): Swin;
export function createBackbone(config: BackboneConfigInput): Backbone;
export function createBackbone(config: BackboneConfigInput): Backbone {
  const arch = config !== null && typeof config === 'object' ? (config as { arch?: unknown }).arch : undefined;
  if (typeof arch !== 'string' || !Object.hasOwn(BACKBONE_ARCHITECTURES, arch)) {
    throw new SslError(
      'INVALID_CONFIG',
      `createBackbone(config.arch): expected one of ${Object.keys(BACKBONE_ARCHITECTURES).join(', ')}, got ${JSON.stringify(arch)}. ` +
        "Name the architecture, e.g. { arch: 'vit', preset: 'small' }.",
    );
  }
  const result = backboneConfigSchema.safeParse(config);
  if (!result.success) {
    throw new SslError('INVALID_CONFIG', `createBackbone: the ${arch} config is invalid: ${describeIssues(config, result.error.issues)}. See the options of create${arch === 'vit' ? 'Vit' : 'Swin'}.`, {
      cause: result.error,
      details: { issues: result.error.issues },
    });
  }
  const parsed = result.data;
  return parsed.arch === 'vit' ? BACKBONE_ARCHITECTURES.vit(parsed) : BACKBONE_ARCHITECTURES.swin(parsed);
}
