export {
  useBackend,
  BACKEND_NAMES,
  type BackendName,
  type ConcreteBackendName,
  type BackendInfo,
  type UseBackendOptions,
} from './use-backend.js';
export { provideBackendPackage } from './backend-package.js';
export { ensureGradients } from './ensure-gradients.js';
export { assertSupportedNode, isSupportedNodeVersion, MINIMUM_NODE_VERSION } from './supported-node.js';
export { defaultThreads } from './default-threads.js';
export { gpuAvailability, type GpuAvailability } from './gpu-availability.js';
export { webgpuAvailability, type WebgpuAvailability } from './webgpu-availability.js';
export type { WebgpuAdapterDescription } from './webgpu-adapter.js';
export { DAWN_BACKENDS, type DawnBackend } from './dawn-gpu.js';
export { WASM_MAX_THREADS } from './start-wasm.js';
export { countWebgpuDispatches, type WebgpuDispatchCount, type WebgpuDispatchCounter } from './webgpu-dispatch-count.js';
