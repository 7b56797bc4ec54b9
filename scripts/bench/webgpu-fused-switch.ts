// Turns selfsup's fused kernels on the active backend off and on again inside one process, for A/B
// measurements that alternate step by step: @selfsup/backbones' LayerNorm and GELU check
// `hasFusedKernel` on every call, so with the kernels unregistered the next call runs the
// composite formulas. Uses tfjs's public kernel registry only.
import * as tf from '@tensorflow/tfjs-core';
import { FUSED_KERNELS } from '@selfsup/backbones';

/** Switches the fused kernels of one backend; `restore` leaves them as found. */
export interface FusedKernelSwitch {
  /** The backend's fused kernels when the switch was made (empty: nothing to switch). */
  readonly names: readonly string[];
  /** Registers (true) or unregisters (false) every kernel of `names`. */
  set(on: boolean): void;
  restore(): void;
}

/** A switch for the fused kernels registered now for the active backend. */
export function fusedKernelSwitch(backendName = tf.getBackend()): FusedKernelSwitch {
  const configs = Object.values(FUSED_KERNELS)
    .map((name) => tf.getKernel(name, backendName))
    .filter((config): config is tf.KernelConfig => config !== undefined);
  const set = (on: boolean) => {
    for (const config of configs) {
      const registered = tf.getKernel(config.kernelName, backendName) !== undefined;
      if (on && !registered) tf.registerKernel(config);
      if (!on && registered) tf.unregisterKernel(config.kernelName, backendName);
    }
  };
  return { names: configs.map((config) => config.kernelName), set, restore: () => set(true) };
}
