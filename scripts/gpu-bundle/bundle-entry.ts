// The entry point esbuild bundles into the GPU bundle's selfsup-gpu.mjs (scripts/gpu-bundle/build.ts):
// the webgpu benchmark and check (scripts/bench/webgpu-cli.ts) with tfjs-core, tfjs-backend-cpu,
// tfjs-backend-webgpu and selfsup's packages inside.
//
// It also re-exports tfjs-backend-webgpu, because @selfsup/backend loads that package at run time
// by name (`import('@tensorflow/tfjs-backend-webgpu')`, which no bundler can follow): the bundle's
// node_modules/@tensorflow/tfjs-backend-webgpu/index.mjs re-exports this module, so that import
// finds the copy bundled here, on the same tfjs-core. The program runs from run.mjs, not from this
// module's top level: a module that is still evaluating when it imports itself through that
// re-export would wait on itself.
export * from '@tensorflow/tfjs-backend-webgpu';
export { main, runAndExit } from '../bench/webgpu-cli.js';
