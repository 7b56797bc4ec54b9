// The few parts of the WebGPU API that selfsup touches, typed here so that @selfsup/backend's
// declarations do not depend on @webgpu/types (a browser's `navigator.gpu` and Dawn's `create()`
// both satisfy them).

/** A WebGPU feature level: `core` (full WebGPU) or `compatibility` (OpenGL ES class hardware). */
export type WebgpuFeatureLevel = 'core' | 'compatibility';

/** `GPURequestAdapterOptions`, as far as selfsup sets it. */
export interface AdapterRequest {
  powerPreference?: 'low-power' | 'high-performance';
  featureLevel?: WebgpuFeatureLevel;
}

/** `GPUAdapterInfo`. Every field is optional: older implementations lack some. */
export interface AdapterInfoLike {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

/** `GPUDevice`, as far as selfsup uses it. */
export interface DeviceLike {
  readonly limits: Readonly<Record<string, number>>;
  readonly lost?: Promise<{ readonly reason?: string; readonly message?: string }>;
  destroy?(): void;
}

/** `GPUAdapter`, as far as selfsup uses it. */
export interface AdapterLike {
  readonly features: { has(name: string): boolean };
  readonly limits: Readonly<Record<string, number>>;
  readonly info?: AdapterInfoLike;
  /** Deprecated in the specification (now `info.isFallbackAdapter`); still set by some browsers. */
  readonly isFallbackAdapter?: boolean;
  requestDevice(descriptor?: { requiredFeatures?: string[]; requiredLimits?: Record<string, number> }): Promise<DeviceLike>;
}

/** `GPU` (`navigator.gpu`). */
export interface GpuLike {
  requestAdapter(options?: AdapterRequest): Promise<AdapterLike | null>;
}
