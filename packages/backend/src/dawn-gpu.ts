import { SslError, invalidArgument } from '@selfsup/core';
import { isMissingModule } from './backend-package.js';
import type { GpuLike, WebgpuFeatureLevel } from './webgpu-types.js';

/** The npm package of Dawn's Node.js binding (prebuilt `dawn.node` for linux-x64, darwin and win32). */
export const DAWN_PACKAGE = 'webgpu';

/** The version range of {@link DAWN_PACKAGE} selfsup is tested with. */
export const DAWN_VERSION = '0.6';

/** Dawn's backends, as `SELFSUP_WEBGPU_BACKEND` names them. */
export const DAWN_BACKENDS = ['vulkan', 'metal', 'd3d12', 'd3d11', 'opengl', 'opengles'] as const;

/** One of {@link DAWN_BACKENDS}. */
export type DawnBackend = (typeof DAWN_BACKENDS)[number];

/** How selfsup asks Dawn for an adapter, from `SELFSUP_WEBGPU_BACKEND`. */
export interface DawnSettings {
  /** The Dawn backend to use; `undefined` lets Dawn choose (Vulkan, Metal or D3D12). */
  readonly backend: DawnBackend | undefined;
  /** `compatibility` for Dawn's OpenGL (ES) backends, which offer no core adapter; else `core`. */
  readonly featureLevel: WebgpuFeatureLevel;
}

/** Where a `GPU` object came from: the page's or runtime's `navigator.gpu`, or Dawn's Node binding. */
export interface WebgpuEntry {
  readonly gpu: GpuLike;
  readonly source: 'navigator' | 'dawn';
  readonly settings: DawnSettings;
  /** Dawn's globals (`GPUBufferUsage`, ...) to install before tfjs-backend-webgpu runs; none for `navigator`. */
  readonly globals: Record<string, unknown> | undefined;
}

interface DawnModule {
  create(options: string[]): GpuLike;
  globals: Record<string, unknown>;
}

/**
 * Reads `SELFSUP_WEBGPU_BACKEND`: unset or empty lets Dawn choose its platform's backend;
 * `opengles` (or `opengl`) selects Dawn's OpenGL ES backend and a `compatibility` adapter, which on
 * a machine without a GPU runs on Mesa's software rasteriser (llvmpipe): for tests, not training.
 *
 * @throws SslError `INVALID_CONFIG` for a value that is not one of {@link DAWN_BACKENDS}.
 */
export function dawnSettingsFromEnvironment(env: Record<string, string | undefined> = environment()): DawnSettings {
  const raw = env.SELFSUP_WEBGPU_BACKEND?.trim().toLowerCase();
  if (raw === undefined || raw === '' || raw === 'default') return { backend: undefined, featureLevel: 'core' };
  if (!(DAWN_BACKENDS as readonly string[]).includes(raw)) {
    throw invalidArgument({
      argument: 'SELFSUP_WEBGPU_BACKEND',
      expected: `one of ${DAWN_BACKENDS.join(', ')} (or unset for the platform's default)`,
      actual: env.SELFSUP_WEBGPU_BACKEND,
      fix: 'Unset it to use Vulkan, Metal or D3D12, or set SELFSUP_WEBGPU_BACKEND=opengles to test on a machine without a GPU.',
      code: 'INVALID_CONFIG',
    });
  }
  const backend = raw as DawnBackend;
  return { backend, featureLevel: backend === 'opengl' || backend === 'opengles' ? 'compatibility' : 'core' };
}

function environment(): Record<string, string | undefined> {
  return typeof process === 'undefined' ? {} : process.env;
}

function navigatorGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu ?? undefined;
}

async function importDawn(): Promise<DawnModule> {
  const specifier = DAWN_PACKAGE;
  try {
    return (await import(/* @vite-ignore */ specifier)) as DawnModule;
  } catch (cause) {
    const missing = isMissingModule(cause, specifier);
    const why = missing ? `${DAWN_PACKAGE} (Dawn's Node.js binding) is not installed` : `${DAWN_PACKAGE} failed to load: ${(cause as Error)?.message ?? String(cause)}`;
    throw new SslError(
      'BACKEND_UNAVAILABLE',
      `backend "webgpu" in Node.js: ${why}. Install it with: npm install ${DAWN_PACKAGE}@${DAWN_VERSION} ` +
        `(prebuilt for linux-x64, darwin and win32; nothing is downloaded at install), or choose another backend (native, wasm or cpu).`,
      { cause, details: { backend: 'webgpu', package: DAWN_PACKAGE, install: `npm install ${DAWN_PACKAGE}@${DAWN_VERSION}`, reason: why } },
    );
  }
}

const dawnInstances = new Map<string, Promise<WebgpuEntry>>();

async function createDawnEntry(settings: DawnSettings): Promise<WebgpuEntry> {
  const dawn = await importDawn();
  const options: string[] = [];
  if (settings.backend !== undefined) options.push(`backend=${settings.backend}`);
  // Mesa's EGL needs a platform without a display server to open a headless GL ES context.
  if (settings.backend === 'opengles' && process.env.EGL_PLATFORM === undefined) process.env.EGL_PLATFORM = 'surfaceless';
  return { gpu: dawn.create(options), source: 'dawn', settings, globals: dawn.globals };
}

/**
 * The `GPU` object to request adapters from: `navigator.gpu` when the runtime has one (browsers,
 * Deno, or a Node.js process where it was set up already), else a Dawn instance from the npm
 * package `webgpu`, created once per {@link DawnSettings}. Installs nothing globally; see
 * {@link installWebgpuGlobals}.
 *
 * @throws SslError `BACKEND_UNAVAILABLE` naming the install command when `webgpu` is not installed.
 */
export async function webgpuEntry(settings: DawnSettings = dawnSettingsFromEnvironment()): Promise<WebgpuEntry> {
  const fromNavigator = navigatorGpu();
  if (fromNavigator !== undefined) return { gpu: fromNavigator, source: 'navigator', settings, globals: undefined };
  const key = `${settings.backend ?? 'default'}`;
  let entry = dawnInstances.get(key);
  if (entry === undefined) {
    entry = createDawnEntry(settings);
    dawnInstances.set(key, entry);
    entry.catch(() => dawnInstances.delete(key));
  }
  return entry;
}

/**
 * Makes Dawn look like a browser's WebGPU to `@tensorflow/tfjs-backend-webgpu`: Dawn's globals
 * (`GPUBufferUsage`, `GPUMapMode`, ...) where missing, and `navigator.gpu`. Node.js 21+ has a
 * read-only global `navigator`: `gpu` is added to that object; Node.js 20 has none, so a
 * `navigator` holding only `gpu` is defined.
 * Does nothing for an entry that came from `navigator`.
 */
export function installWebgpuGlobals(entry: WebgpuEntry): void {
  if (entry.source === 'navigator') return;
  const scope = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(entry.globals ?? {})) {
    if (scope[name] === undefined) scope[name] = value;
  }
  const current = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (current?.gpu === entry.gpu) return;
  if (current !== undefined && Object.isExtensible(current)) {
    // Node.js 21+: keep its Navigator (hardwareConcurrency, userAgent, ...) and add gpu to it.
    Object.defineProperty(current, 'gpu', { value: entry.gpu, configurable: true, enumerable: true, writable: true });
    if (current.gpu === entry.gpu) return;
  }
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: entry.gpu }, configurable: true, writable: true, enumerable: true });
}
