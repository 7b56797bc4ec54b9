import * as tf from '@tensorflow/tfjs-core';
import { SslError } from '@selfsup/core';
import { importBackendPackage } from './backend-package.js';
import { dawnSettingsFromEnvironment, installWebgpuGlobals, webgpuEntry } from './dawn-gpu.js';
import { adapterSummary, describeAdapter, requestWebgpuAdapter, type WebgpuAdapterDescription } from './webgpu-adapter.js';
import { installWebgpuFusedKernels, type FusedKernelInstall } from './webgpu-fused-kernels/index.js';
import { installWebgpuKernelFixes } from './webgpu-kernel-fixes.js';
import type { AdapterLike, DeviceLike } from './webgpu-types.js';

/** The TensorFlow.js name of the WebGPU backend (its kernels are registered under it). */
export const WEBGPU_BACKEND_NAME = 'webgpu';

/** The limits tfjs-backend-webgpu asks its device for, plus the storage buffers per shader that AddN and Concat bind. */
const REQUIRED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
  'maxStorageBuffersPerShaderStage',
] as const;

interface WebgpuPackage {
  WebGPUBackend: new (device: DeviceLike, adapterInfo?: unknown) => tf.KernelBackend;
}

/** What {@link activateWebgpu} set up. */
export interface WebgpuActivation {
  readonly adapter: WebgpuAdapterDescription;
  /** Said in `BackendInfo.reason` when the adapter computes on the CPU or selfsup's WGSL kernels are off. */
  readonly note: string | undefined;
  /** selfsup's WGSL kernels (LayerNorm, GELU and their gradients) registered for this device. */
  readonly fusedKernels: FusedKernelInstall;
}

/** The adapter and device behind the registered `webgpu` backend, while it lives. */
let active: { adapter: WebgpuAdapterDescription; device: DeviceLike } | undefined;

async function requestDevice(adapter: AdapterLike): Promise<DeviceLike> {
  const requiredLimits: Record<string, number> = {};
  for (const name of REQUIRED_LIMITS) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const requiredFeatures = adapter.features.has('timestamp-query') ? ['timestamp-query'] : [];
  try {
    return await adapter.requestDevice({ requiredFeatures, requiredLimits });
  } catch (cause) {
    throw new SslError('BACKEND_UNAVAILABLE', `backend "webgpu": the adapter refused a device: ${(cause as Error)?.message ?? String(cause)}. Update the GPU driver, or choose another backend.`, {
      cause,
      details: { backend: 'webgpu', reason: 'requestDevice failed' },
    });
  }
}

function softwareNote(adapter: WebgpuAdapterDescription): string | undefined {
  return adapter.software ? `a software adapter (${adapterSummary(adapter)}): it computes on the CPU, for tests, not for training` : undefined;
}

/** Installs the WGSL kernels for `device` and says what happened, with the note for `BackendInfo.reason`. */
function activation(adapter: WebgpuAdapterDescription, device: DeviceLike): WebgpuActivation {
  const fusedKernels = installWebgpuFusedKernels(device.limits);
  const notes = [softwareNote(adapter), fusedKernels.skipped === undefined ? undefined : `selfsup's WGSL kernels are off (${fusedKernels.skipped})`];
  const note = notes.filter((n) => n !== undefined).join('; ');
  return { adapter, note: note === '' ? undefined : note, fusedKernels };
}

function watchDeviceLoss(device: DeviceLike): void {
  void device.lost?.then((info) => {
    if (active?.device !== device) return;
    active = undefined;
    if (info.reason !== 'destroyed') console.warn(`selfsup: the WebGPU device was lost (${info.message ?? info.reason ?? 'no reason given'}); call useBackend('webgpu') again.`);
  });
}

/**
 * Makes `webgpu` the active TensorFlow.js backend: finds a WebGPU adapter (`navigator.gpu` in a
 * browser; Dawn from the npm package `webgpu` in Node.js, with the Dawn backend and feature level
 * of `SELFSUP_WEBGPU_BACKEND`), checks it before tfjs-backend-webgpu sees it (tfjs crashes on a
 * null adapter), requests a device with the adapter's own limits, registers tfjs-backend-webgpu
 * on it and installs selfsup's webgpu kernel fixes and WGSL kernels (webgpu-fused-kernels/). Later
 * calls reuse the device.
 *
 * @returns The adapter's description, and a note when it is a software adapter.
 * @throws SslError `BACKEND_UNAVAILABLE` naming what to install when a package, driver or adapter
 *   is missing.
 */
export async function activateWebgpu(): Promise<WebgpuActivation> {
  if (active !== undefined && tf.findBackend(WEBGPU_BACKEND_NAME) !== null) {
    await importBackendPackage('webgpu');
    installWebgpuKernelFixes();
    if (!(await tf.setBackend(WEBGPU_BACKEND_NAME))) {
      throw new SslError('BACKEND_UNAVAILABLE', 'backend "webgpu" failed to initialise: tf.setBackend("webgpu") returned false.');
    }
    return activation(active.adapter, active.device);
  }
  const entry = await webgpuEntry(dawnSettingsFromEnvironment());
  const adapter = await requestWebgpuAdapter(entry);
  const description = describeAdapter(adapter, entry);
  // tfjs-backend-webgpu registers its kernels (and its own factory) only where navigator.gpu exists.
  installWebgpuGlobals(entry);
  const { WebGPUBackend } = await importBackendPackage<WebgpuPackage>('webgpu');
  const device = await requestDevice(adapter);
  if (tf.findBackendFactory(WEBGPU_BACKEND_NAME) !== null) tf.removeBackend(WEBGPU_BACKEND_NAME);
  tf.registerBackend(WEBGPU_BACKEND_NAME, () => new WebGPUBackend(device, adapter.info), 1);
  if (!installWebgpuKernelFixes()) {
    throw new SslError('BACKEND_UNAVAILABLE', 'backend "webgpu": @tensorflow/tfjs-backend-webgpu loaded but registered no webgpu kernels.');
  }
  if (!(await tf.setBackend(WEBGPU_BACKEND_NAME))) {
    throw new SslError('BACKEND_UNAVAILABLE', 'backend "webgpu" failed to initialise: tf.setBackend("webgpu") returned false.');
  }
  active = { adapter: description, device };
  watchDeviceLoss(device);
  return activation(description, device);
}
