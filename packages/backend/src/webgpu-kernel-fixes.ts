import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-backend-webgpu's `WebGPUBackend` the fixed kernels use. */
interface WebgpuBackendInternals {
  device: { limits: { maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: object): boolean;
}

/** WebGPU's default `maxStorageBuffersPerShaderStage` (8): one is the output, so 7 inputs. */
const DEFAULT_STORAGE_BUFFERS = 8;

let installedAddN: tf.KernelFunc | undefined;

/** The most inputs one AddN shader may read: one storage buffer per input plus the output. */
export function addNInputLimit(backend: unknown): number {
  const limit = (backend as Partial<WebgpuBackendInternals>).device?.limits?.maxStorageBuffersPerShaderStage ?? DEFAULT_STORAGE_BUFFERS;
  return Math.max(2, limit - 1);
}

/**
 * `AddN` that sums at most {@link addNInputLimit} inputs per shader, as a tree of partial sums.
 * tfjs-backend-webgpu 4.22 binds every input as a storage buffer of one shader; past the device's
 * `maxStorageBuffersPerShaderStage` the pipeline is invalid, WebGPU reports it only as an
 * uncaptured validation error, and the output buffer keeps stale values: 8 ones summed to 7, and a
 * gradient norm over many variables came out as 0.100 instead of 23.417.
 */
function chunkedAddN(original: tf.KernelConfig): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const limit = addNInputLimit(args.backend);
    if (inputs.length <= limit) return original.kernelFunc(args);
    const backend = args.backend as unknown as WebgpuBackendInternals;
    const partialSums: tf.TensorInfo[] = [];
    let level = inputs;
    while (level.length > limit) {
      const next: tf.TensorInfo[] = [];
      for (let start = 0; start < level.length; start += limit) {
        const group = level.slice(start, start + limit);
        if (group.length === 1) {
          next.push(group[0]!);
          continue;
        }
        const sum = original.kernelFunc({ ...args, inputs: group as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
        partialSums.push(sum);
        next.push(sum);
      }
      level = next;
    }
    const total = original.kernelFunc({ ...args, inputs: level as unknown as tf.NamedTensorInfoMap });
    for (const sum of partialSums) backend.disposeData(sum.dataId);
    return total;
  };
}

/**
 * Replaces tfjs-backend-webgpu kernels that return wrong values without an error: today `AddN`
 * with more inputs than a shader may bind (see {@link chunkedAddN}). Idempotent; {@link useBackend}
 * installs it for `webgpu`.
 *
 * @returns True when installed (now or before), false when the webgpu kernels are not registered.
 */
export function installWebgpuKernelFixes(): boolean {
  if (installedAddN !== undefined && tf.getKernel(tf.AddN, 'webgpu')?.kernelFunc === installedAddN) return true;
  const original = tf.getKernel(tf.AddN, 'webgpu');
  if (original === undefined) return false;
  installedAddN = chunkedAddN(original);
  tf.unregisterKernel(tf.AddN, 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: installedAddN });
  return true;
}

/** Whether the webgpu backend's `AddN` is the chunked kernel (for tests). */
export function webgpuAddNIsChunked(): boolean {
  return installedAddN !== undefined && tf.getKernel(tf.AddN, 'webgpu')?.kernelFunc === installedAddN;
}
