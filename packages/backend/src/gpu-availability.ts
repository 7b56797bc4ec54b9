import { importNodeBuiltin } from './node-builtins.js';
/** Whether a CUDA GPU looks usable by `@tensorflow/tfjs-node-gpu`, and why. */
export interface GpuAvailability {
  /** True when an NVIDIA GPU is present and not hidden by `CUDA_VISIBLE_DEVICES`. */
  readonly usable: boolean;
  /** One sentence saying what was found. */
  readonly reason: string;
}

/**
 * Checks, without loading libtensorflow, whether an NVIDIA GPU is visible to this process:
 * `CUDA_VISIBLE_DEVICES` must not hide every device, and the NVIDIA driver must list a GPU
 * (`/proc/driver/nvidia/gpus/*` or `/dev/nvidia0` on Linux; on Windows, `CUDA_PATH` must be set).
 * `tfjs-node-gpu` silently computes on the CPU when no GPU is usable, so `auto` only picks it
 * when this says yes.
 *
 * @param env - The environment to read (default `process.env`).
 * @returns Whether a GPU looks usable, and why.
 *
 * @example
 * ```ts
 * const { usable, reason } = await gpuAvailability();
 * ```
 */
export async function gpuAvailability(env: NodeJS.ProcessEnv = process.env): Promise<GpuAvailability> {
  const visible = env.CUDA_VISIBLE_DEVICES;
  if (visible !== undefined && (visible.trim() === '' || visible.trim() === '-1')) {
    return { usable: false, reason: `CUDA_VISIBLE_DEVICES=${JSON.stringify(visible)} hides every GPU` };
  }
  const fs = await importNodeBuiltin('fs');
  if (process.platform === 'linux') {
    try {
      const gpus = fs.readdirSync('/proc/driver/nvidia/gpus');
      if (gpus.length > 0) return { usable: true, reason: `the NVIDIA driver lists ${gpus.length} GPU(s)` };
    } catch {
      // No NVIDIA driver loaded.
    }
    if (fs.existsSync('/dev/nvidia0')) return { usable: true, reason: '/dev/nvidia0 exists' };
    return { usable: false, reason: 'no NVIDIA GPU found (/proc/driver/nvidia/gpus and /dev/nvidia0 are absent)' };
  }
  if (process.platform === 'win32' && env.CUDA_PATH) return { usable: true, reason: 'CUDA_PATH is set' };
  return { usable: false, reason: `no CUDA GPU detected on ${process.platform}` };
}
