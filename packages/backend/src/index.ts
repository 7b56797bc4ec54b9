export {
  useBackend,
  ensureGradients,
  defaultThreads,
  BACKEND_NAMES,
  type BackendName,
  type ConcreteBackendName,
  type BackendInfo,
  type UseBackendOptions,
} from './use-backend.js';
