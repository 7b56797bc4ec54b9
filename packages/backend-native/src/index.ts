export {
  registerNativeBackend,
  isNativeAvailable,
  nativeBuildInfo,
  NATIVE_BACKEND_NAME,
  type NativeBackendOptions,
  type NativeBuildInfo,
  type NativeGemm,
  type NativeIsa,
} from './native-backend.js';
export { NATIVE_KERNELS } from './native-kernels.js';
export { resolveThreads as nativeThreadsSetting, MAX_NATIVE_THREADS } from './threads.js';
export type { AddonInfo } from './addon.js';
