export {
  registerNativeBackend,
  autoGemm,
  isNativeAvailable,
  nativeBuildInfo,
  nativeBinaryInfo,
  NATIVE_BACKEND_NAME,
  type NativeBackendOptions,
  type NativeBuildInfo,
  type NativeGemm,
  type NativeIsa,
  type AutoGemmInput,
} from './native-backend.js';
export { NATIVE_KERNELS } from './native-kernels.js';
export { nativeFallbackReport, resetNativeFallbackReport, type NativeFallback, type NativeFallbackReason } from './fallback-report.js';
export { nativeThreadsSetting, MAX_NATIVE_THREADS } from './threads.js';
export type { AddonInfo } from './addon.js';
export type { NativeBinaryInfo, NativeBinaryCandidate, NativeBinarySource } from './native-binary.js';
export type { InstallStatus } from './install-status.js';
