import { SslError } from '@selfsup/core';
import type { WebgpuEntry } from './dawn-gpu.js';
import type { AdapterLike, AdapterRequest, WebgpuFeatureLevel } from './webgpu-types.js';

/** What a WebGPU adapter says about itself, as {@link useBackend} reports it in `BackendInfo.adapter`. */
export interface WebgpuAdapterDescription {
  /** The GPU's vendor (`nvidia`, `apple`, ...); empty when the implementation withholds it. */
  readonly vendor: string;
  /** The GPU family (`hopper`, `common-3`, ...); often empty. */
  readonly architecture: string;
  /** The device name (`NVIDIA H100 80GB HBM3`, `llvmpipe (LLVM 15.0.6, 256 bits)`, ...); often empty in browsers. */
  readonly device: string;
  /** The driver's description (`OpenGL version OpenGL ES 3.2 Mesa 22.3.6`, ...). */
  readonly description: string;
  /**
   * True for a fallback or software adapter (Mesa llvmpipe/lavapipe, SwiftShader, WARP): it computes
   * on the CPU, slower than `native`; fine for tests, not for training.
   */
  readonly software: boolean;
  /** `core` (full WebGPU) or `compatibility` (Dawn's OpenGL ES backend; tighter limits). */
  readonly featureLevel: WebgpuFeatureLevel;
  /** `dawn` (the npm package `webgpu` in Node.js) or `navigator` (a browser's `navigator.gpu`). */
  readonly source: 'dawn' | 'navigator';
  /** The Dawn backend chosen with `SELFSUP_WEBGPU_BACKEND`, when one was. */
  readonly dawnBackend?: string;
}

const SOFTWARE_RENDERERS = /llvmpipe|lavapipe|softpipe|swiftshader|software|basic render|\bwarp\b/i;

/** The Debian/Ubuntu packages that give Dawn's OpenGL ES backend a software EGL and GL ES (Mesa llvmpipe). */
export const MESA_PACKAGES = 'libegl1 libgles2 libegl-mesa0 libgl1-mesa-dri';

/**
 * Describes `adapter`: vendor, architecture, device and description from `adapter.info`, whether
 * it is a software adapter, and its feature level.
 */
export function describeAdapter(adapter: AdapterLike, entry: Pick<WebgpuEntry, 'source' | 'settings'>): WebgpuAdapterDescription {
  const info = adapter.info ?? {};
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  const vendor = text(info.vendor);
  const architecture = text(info.architecture);
  const device = text(info.device);
  const description = text(info.description);
  const software =
    info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE_RENDERERS.test(`${vendor} ${architecture} ${device} ${description}`);
  // An adapter that lacks 'core-features-and-limits' is a compatibility adapter, where the feature is known.
  const featureLevel: WebgpuFeatureLevel =
    entry.settings.featureLevel === 'compatibility' && !adapter.features.has('core-features-and-limits') ? 'compatibility' : 'core';
  return {
    vendor,
    architecture,
    device,
    description,
    software,
    featureLevel,
    source: entry.source,
    ...(entry.settings.backend === undefined || entry.source !== 'dawn' ? {} : { dawnBackend: entry.settings.backend }),
  };
}

/** One line naming an adapter, e.g. `llvmpipe (OpenGL ES 3.2 Mesa 22.3.6; compatibility; software)`. */
export function adapterSummary(adapter: WebgpuAdapterDescription): string {
  const name = [adapter.vendor, adapter.device || adapter.architecture].filter((part) => part !== '').join(' ') || 'unnamed adapter';
  const notes = [adapter.description, adapter.dawnBackend, adapter.featureLevel, adapter.software ? 'software' : 'hardware'].filter(
    (part) => part !== undefined && part !== '' && part !== name,
  );
  return `${name} (${notes.join('; ')})`;
}

/** What to install or set when no adapter is found, for this platform and Dawn backend. */
export function missingAdapterAdvice(entry: Pick<WebgpuEntry, 'source' | 'settings'>, platform: string = typeof process === 'undefined' ? 'browser' : process.platform): string {
  if (entry.source === 'navigator') {
    return 'The browser exposes navigator.gpu but offered no adapter: turn on hardware acceleration, update the GPU driver, or check chrome://gpu (or your browser\'s equivalent).';
  }
  const backend = entry.settings.backend;
  if (backend === 'opengles' || backend === 'opengl') {
    return (
      `Dawn's OpenGL ES backend found no EGL display. Install Mesa's EGL and GL ES (Debian/Ubuntu: apt-get install ${MESA_PACKAGES}) ` +
      'and keep EGL_PLATFORM=surfaceless on a machine without a display.'
    );
  }
  if (platform === 'darwin') return 'Dawn found no Metal device: WebGPU in Node.js needs macOS 11+ on a Mac with Metal.';
  if (platform === 'win32') return 'Dawn found no D3D12 adapter: update the GPU driver (Windows 10+).';
  return (
    "Dawn found no Vulkan adapter. Install the Vulkan loader (Debian/Ubuntu: apt-get install libvulkan1) and your GPU's Vulkan driver " +
    '(NVIDIA: the proprietary driver, which installs nvidia_icd.json; in a container whose driver is mounted elsewhere, point ' +
    'VK_DRIVER_FILES at it, e.g. /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; AMD and Intel: mesa-vulkan-drivers). ' +
    `On a machine without a GPU, SELFSUP_WEBGPU_BACKEND=opengles runs Dawn on Mesa's software OpenGL ES (apt-get install ${MESA_PACKAGES}), for tests only.`
  );
}

/**
 * Requests the high-performance adapter of `entry`, at the feature level its settings ask for.
 *
 * @throws SslError `BACKEND_UNAVAILABLE` when there is none, saying what to install.
 */
export async function requestWebgpuAdapter(entry: WebgpuEntry): Promise<AdapterLike> {
  const request: AdapterRequest = { powerPreference: 'high-performance' };
  if (entry.settings.featureLevel === 'compatibility') request.featureLevel = 'compatibility';
  let adapter: AdapterLike | null;
  try {
    adapter = await entry.gpu.requestAdapter(request);
  } catch (cause) {
    throw new SslError('BACKEND_UNAVAILABLE', `backend "webgpu": requestAdapter failed: ${(cause as Error)?.message ?? String(cause)}. ${missingAdapterAdvice(entry)}`, {
      cause,
      details: { backend: 'webgpu', reason: 'requestAdapter failed' },
    });
  }
  if (adapter === null || adapter === undefined) {
    const advice = missingAdapterAdvice(entry);
    throw new SslError('BACKEND_UNAVAILABLE', `backend "webgpu": no WebGPU adapter found. ${advice}`, {
      details: { backend: 'webgpu', reason: 'no WebGPU adapter found', advice },
    });
  }
  return adapter;
}
