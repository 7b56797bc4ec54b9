import * as tf from '@tensorflow/tfjs-core';
import { invalidArgument } from '@selfsup/core';
import { adamwWebgpuConfig } from './adamw.js';
import { clipNormWebgpuConfig } from './clip-norm.js';
import { geluWebgpuConfig } from './gelu.js';
import { geluGradWebgpuConfig } from './gelu-grad.js';
import { layerNormWebgpuConfig } from './layer-norm.js';
import { layerNormGradWebgpuConfig } from './layer-norm-grad.js';
import { ELEMENTWISE_WORKGROUP_SIZE } from './webgpu-program.js';

/** selfsup's WGSL kernels for the `webgpu` backend, under the fused-kernel contract's names. */
export const WEBGPU_FUSED_KERNELS: readonly tf.KernelConfig[] = [layerNormWebgpuConfig, layerNormGradWebgpuConfig, geluWebgpuConfig, geluGradWebgpuConfig, adamwWebgpuConfig, clipNormWebgpuConfig];

/** Storage buffers the largest program binds: five inputs and the output (LayerNorm's output and input gradient). */
const STORAGE_BUFFERS_NEEDED = 6;

/** What {@link installWebgpuFusedKernels} did. */
export interface FusedKernelInstall {
  /** The kernel names registered for `webgpu` (now or before); empty when none. */
  readonly installed: readonly string[];
  /** Why none was registered, when none was. */
  readonly skipped?: string;
}

/** Why this device cannot run the kernels, or undefined when it can. */
function unsupportedBy(limits: Readonly<Record<string, number>>): string | undefined {
  const buffers = limits.maxStorageBuffersPerShaderStage ?? 8;
  if (buffers < STORAGE_BUFFERS_NEEDED) return `the device allows ${buffers} storage buffers per shader, the kernels bind ${STORAGE_BUFFERS_NEEDED}`;
  const invocations = Math.min(limits.maxComputeInvocationsPerWorkgroup ?? 256, limits.maxComputeWorkgroupSizeX ?? 256);
  if (invocations < ELEMENTWISE_WORKGROUP_SIZE) return `the device allows ${invocations} invocations per workgroup, the kernels use ${ELEMENTWISE_WORKGROUP_SIZE}`;
  return undefined;
}

/**
 * Whether `SELFSUP_WEBGPU_FUSED_KERNELS` switches the WGSL kernels off: `0` does, `1` or unset does
 * not, anything else is refused (as `SELFSUP_NATIVE_FUSED` is), so that a typo cannot leave an A/B
 * measurement comparing the fused kernels with themselves.
 *
 * @throws SslError `INVALID_CONFIG` for a value other than 0 or 1.
 */
export function fusedKernelsDisabledBy(env: Readonly<Record<string, string | undefined>>): boolean {
  const raw = env.SELFSUP_WEBGPU_FUSED_KERNELS?.trim();
  if (raw === undefined || raw === '') return false;
  if (raw !== '0' && raw !== '1') {
    throw invalidArgument({
      argument: 'SELFSUP_WEBGPU_FUSED_KERNELS',
      expected: '0 (the composite formulas) or 1 (the WGSL kernels)',
      actual: raw,
      code: 'INVALID_CONFIG',
      fix: 'Unset it to use the WGSL kernels.',
    });
  }
  return raw === '0';
}

/**
 * Registers selfsup's WGSL kernels (`SelfsupLayerNorm`, `SelfsupLayerNormGrad`, `SelfsupGelu`,
 * `SelfsupGeluGrad`, `SelfsupAdamW`, `SelfsupClipNorm`) for the `webgpu` backend, so that
 * @selfsup/backbones' LayerNorm and GELU and @selfsup/optim's AdamW update and per-parameter
 * gradient clipping run in a few dispatches instead of many. Idempotent. Skipped (the layers then
 * run their composite formulas) when the device's limits are too small, or when `SELFSUP_WEBGPU_FUSED_KERNELS=0`
 * (Node.js; for A/B measurements).
 */
export function installWebgpuFusedKernels(limits: Readonly<Record<string, number>>): FusedKernelInstall {
  const disabled = typeof process !== 'undefined' && fusedKernelsDisabledBy(process.env ?? {});
  const reason = disabled ? 'SELFSUP_WEBGPU_FUSED_KERNELS=0' : unsupportedBy(limits);
  if (reason !== undefined) {
    uninstallWebgpuFusedKernels();
    return { installed: [], skipped: reason };
  }
  for (const config of WEBGPU_FUSED_KERNELS) {
    if (tf.getKernel(config.kernelName, 'webgpu')?.kernelFunc !== config.kernelFunc) {
      if (tf.getKernel(config.kernelName, 'webgpu') !== undefined) tf.unregisterKernel(config.kernelName, 'webgpu');
      tf.registerKernel(config);
    }
  }
  return { installed: WEBGPU_FUSED_KERNELS.map((config) => config.kernelName) };
}

/** Unregisters selfsup's WGSL kernels from `webgpu` (the layers fall back to their composite formulas). */
export function uninstallWebgpuFusedKernels(): void {
  for (const config of WEBGPU_FUSED_KERNELS) {
    if (tf.getKernel(config.kernelName, 'webgpu') !== undefined) tf.unregisterKernel(config.kernelName, 'webgpu');
  }
}
