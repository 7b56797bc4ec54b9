export { installWebgpuFusedKernels, uninstallWebgpuFusedKernels, WEBGPU_FUSED_KERNELS, type FusedKernelInstall } from './install-fused-kernels.js';
export { SELFSUP_LAYER_NORM } from './layer-norm.js';
export { SELFSUP_LAYER_NORM_GRAD } from './layer-norm-grad.js';
export { SELFSUP_GELU } from './gelu.js';
export { SELFSUP_GELU_GRAD } from './gelu-grad.js';
export { SELFSUP_ADAMW } from './adamw.js';
export { SELFSUP_CLIP_NORM } from './clip-norm.js';
