import { isSslError } from '@selfsup/core';
import { BACKEND_PACKAGES, isBackendPackageInstalled } from './backend-package.js';
import { importNodeBuiltin } from './node-builtins.js';
import { DAWN_PACKAGE, dawnSettingsFromEnvironment, webgpuEntry, type DawnSettings } from './dawn-gpu.js';
import { adapterSummary, describeAdapter, requestWebgpuAdapter, type WebgpuAdapterDescription } from './webgpu-adapter.js';

/** Whether a hardware WebGPU adapter is there for `auto` to pick, and why. */
export interface WebgpuAvailability {
  /** True when tfjs-backend-webgpu is installed and a hardware (not software) adapter answered. */
  readonly usable: boolean;
  /** One sentence saying what was found. */
  readonly reason: string;
  /** The adapter that answered, when one did (a software one too). */
  readonly adapter?: WebgpuAdapterDescription;
}

/** Linux exposes a GPU to user space as a DRM render node or an NVIDIA device node. */
async function linuxGpuDeviceNodes(): Promise<string[]> {
  const fs = await importNodeBuiltin('fs');
  let nodes: string[] = [];
  try {
    nodes = fs.readdirSync('/dev/dri').filter((name) => name.startsWith('renderD')).map((name) => `/dev/dri/${name}`);
  } catch {
    // No DRM devices.
  }
  if (fs.existsSync('/dev/nvidia0')) nodes.push('/dev/nvidia0');
  return nodes;
}

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Checks, without activating a backend, whether `webgpu` has a hardware adapter: the packages must
 * be installed (tfjs-backend-webgpu; in Node.js also Dawn's `webgpu`), and the adapter must not be a
 * software one (llvmpipe, SwiftShader, WARP), which is slower than `native`. On Linux with Dawn's
 * default backend it first looks for a GPU device node (`/dev/dri/renderD*`, `/dev/nvidia0`) and
 * does not load Dawn when there is none. `auto` picks `webgpu` only when this says yes.
 *
 * @param settings - The Dawn backend and feature level (default: from `SELFSUP_WEBGPU_BACKEND`).
 * @returns Whether a hardware adapter is usable, why, and the adapter found.
 *
 * @example
 * ```ts
 * const { usable, reason } = await webgpuAvailability();
 * ```
 */
export async function webgpuAvailability(settings: DawnSettings = dawnSettingsFromEnvironment()): Promise<WebgpuAvailability> {
  if (!(await isBackendPackageInstalled('webgpu'))) return { usable: false, reason: `${BACKEND_PACKAGES.webgpu} is not installed` };
  const hasNavigatorGpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined;
  if (!hasNavigatorGpu && isNode()) {
    const { createRequire } = await importNodeBuiltin('module');
    try {
      createRequire(import.meta.url).resolve(DAWN_PACKAGE);
    } catch {
      return { usable: false, reason: `${DAWN_PACKAGE} (Dawn's Node.js binding) is not installed` };
    }
    if (process.platform === 'linux' && settings.backend === undefined && (await linuxGpuDeviceNodes()).length === 0) {
      return { usable: false, reason: 'no GPU device (/dev/dri/renderD* and /dev/nvidia0 are absent)' };
    }
  }
  try {
    const entry = await webgpuEntry(settings);
    const adapter = describeAdapter(await requestWebgpuAdapter(entry), entry);
    if (adapter.software) return { usable: false, reason: `only a software adapter, slower than the CPU backends: ${adapterSummary(adapter)}`, adapter };
    return { usable: true, reason: `a hardware adapter: ${adapterSummary(adapter)}`, adapter };
  } catch (error) {
    if (!isSslError(error, 'BACKEND_UNAVAILABLE')) throw error;
    return { usable: false, reason: String(error.details.reason ?? error.message) };
  }
}
