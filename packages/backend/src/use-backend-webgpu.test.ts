import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import { isSslError } from '@selfsup/core';
import { notInstalledError } from './backend-package.js';
import { dawnSettingsFromEnvironment } from './dawn-gpu.js';
import { adapterSummary, describeAdapter } from './webgpu-adapter.js';
import { webgpuAvailability } from './webgpu-availability.js';
import { addNInputLimit, webgpuAddNIsChunked } from './webgpu-kernel-fixes.js';
import { useBackend } from './use-backend.js';

const initialBackend = tf.getBackend();
const savedDawnBackend = process.env.SELFSUP_WEBGPU_BACKEND;

function restoreDawnBackend(): void {
  if (savedDawnBackend === undefined) delete process.env.SELFSUP_WEBGPU_BACKEND;
  else process.env.SELFSUP_WEBGPU_BACKEND = savedDawnBackend;
}
const software = await webgpuAvailability({ backend: 'opengles', featureLevel: 'compatibility' });
const hasGpuDeviceNode = existsSync('/dev/nvidia0') || (existsSync('/dev/dri') && readdirSync('/dev/dri').some((name) => name.startsWith('renderD')));
// Once this process runs on webgpu (SELFSUP_TEST_BACKEND=webgpu), navigator.gpu and a device exist:
// the no-adapter path cannot be seen any more.
const webgpuStartedBefore = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined;
/** Why the no-adapter cases cannot run here, if they cannot. */
const noAdapterUnreachable = hasGpuDeviceNode
  ? 'this machine has a GPU device node (/dev/nvidia0 or /dev/dri/renderD*): Dawn finds an adapter'
  : webgpuStartedBefore
    ? 'this process already runs on webgpu (SELFSUP_TEST_BACKEND=webgpu): navigator.gpu and a device exist, so the no-adapter path cannot be reached'
    : undefined;

afterAll(async () => {
  restoreDawnBackend();
  if (initialBackend !== 'webgpu') await useBackend('cpu');
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

describe('SELFSUP_WEBGPU_BACKEND', () => {
  it('lets Dawn choose by default and selects OpenGL ES with a compatibility adapter for opengles', () => {
    expect(dawnSettingsFromEnvironment({})).toEqual({ backend: undefined, featureLevel: 'core' });
    expect(dawnSettingsFromEnvironment({ SELFSUP_WEBGPU_BACKEND: 'OpenGLES' })).toEqual({ backend: 'opengles', featureLevel: 'compatibility' });
    expect(dawnSettingsFromEnvironment({ SELFSUP_WEBGPU_BACKEND: 'vulkan' })).toEqual({ backend: 'vulkan', featureLevel: 'core' });
  });

  it('refuses an unknown Dawn backend, naming the accepted ones', () => {
    let error: unknown;
    try {
      dawnSettingsFromEnvironment({ SELFSUP_WEBGPU_BACKEND: 'cuda' });
    } catch (caught) {
      error = caught;
    }
    expect(isSslError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain('SELFSUP_WEBGPU_BACKEND');
    expect((error as Error).message).toContain('opengles');
  });
});

describe('describeAdapter', () => {
  const dawnDefault = { source: 'dawn' as const, settings: { backend: undefined, featureLevel: 'core' as const } };
  const features = { has: () => false };

  it('marks Mesa llvmpipe, SwiftShader and fallback adapters as software, and a named GPU as hardware', () => {
    const describe = (info: object, isFallbackAdapter?: boolean) =>
      describeAdapter({ features, limits: {}, info, isFallbackAdapter, requestDevice: () => Promise.reject(new Error('unused')) }, dawnDefault);
    expect(describe({ vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)' }).software).toBe(true);
    expect(describe({ vendor: 'google', architecture: 'swiftshader', device: 'Subzero' }).software).toBe(true);
    expect(describe({ vendor: 'apple' }, true).software).toBe(true);
    expect(describe({ vendor: 'apple', isFallbackAdapter: true }).software).toBe(true);
    const h100 = describe({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H100 80GB HBM3', description: 'NVIDIA: 550.54.15' });
    expect(h100).toEqual({
      vendor: 'nvidia',
      architecture: 'hopper',
      device: 'NVIDIA H100 80GB HBM3',
      description: 'NVIDIA: 550.54.15',
      software: false,
      featureLevel: 'core',
      source: 'dawn',
    });
    expect(adapterSummary(h100)).toBe('nvidia NVIDIA H100 80GB HBM3 (NVIDIA: 550.54.15; core; hardware)');
  });
});

describe("useBackend('webgpu')", () => {
  it('names the install command of tfjs-backend-webgpu when it is missing', () => {
    const error = notInstalledError('webgpu');
    expect(error.code).toBe('BACKEND_UNAVAILABLE');
    expect(error.message).toContain(`npm install @tensorflow/tfjs-backend-webgpu@${tf.version_core}`);
    expect(error.message).not.toContain('libtensorflow');
  });

  it('says what to install when Dawn finds no Vulkan adapter (this machine has no GPU)', async (context) => {
    if (noAdapterUnreachable) context.skip(noAdapterUnreachable);
    delete process.env.SELFSUP_WEBGPU_BACKEND;
    const error = await rejection(useBackend('webgpu'));
    expect(isSslError(error, 'BACKEND_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain('no WebGPU adapter found');
    expect((error as Error).message).toContain('libvulkan1');
    expect((error as Error).message).toContain('SELFSUP_WEBGPU_BACKEND=opengles');
    expect(tf.getBackend()).not.toBe('webgpu');
  });

  it('auto skips webgpu with one line on why, and never loads it without a GPU', async (context) => {
    if (noAdapterUnreachable) context.skip(noAdapterUnreachable);
    delete process.env.SELFSUP_WEBGPU_BACKEND;
    const info = await useBackend('auto', { threads: 1 });
    expect(info.name).not.toBe('webgpu');
    expect(info.reason).toMatch(/skipped webgpu \(no GPU device/);
  });

  it.skipIf(software.adapter === undefined)('auto never picks a software adapter over the CPU backends', async () => {
    process.env.SELFSUP_WEBGPU_BACKEND = 'opengles';
    try {
      const info = await useBackend('auto', { threads: 1 });
      expect(info.name).not.toBe('webgpu');
      expect(info.reason).toMatch(/skipped webgpu \(only a software adapter/);
    } finally {
      restoreDawnBackend();
    }
  });

  describe.skipIf(software.adapter === undefined)(`on Dawn's OpenGL ES software adapter (${software.reason})`, () => {
    it('reports the adapter, says it is software, and computes gradients', async () => {
      process.env.SELFSUP_WEBGPU_BACKEND = 'opengles';
      const info = await useBackend('webgpu');
      expect(info.name).toBe('webgpu');
      expect(info.tfBackend).toBe('webgpu');
      expect(tf.getBackend()).toBe('webgpu');
      expect(info.adapter).toMatchObject({ software: true, featureLevel: 'compatibility', source: 'dawn', dawnBackend: 'opengles' });
      expect(info.adapter?.description).not.toBe('');
      expect(info.reason).toMatch(/^requested; a software adapter .*for tests, not for training$/);
      // d/dx sum(x^2) = 2x.
      const gradient = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, -2, 3]));
      expect(Array.from(await gradient.data())).toEqual([2, -4, 6]);
      gradient.dispose();
    });

    it('sums more addN inputs than a shader can bind (tfjs-backend-webgpu 4.22 returned stale values: 8 ones gave 7)', async () => {
      process.env.SELFSUP_WEBGPU_BACKEND = 'opengles';
      await useBackend('webgpu');
      expect(webgpuAddNIsChunked()).toBe(true);
      const limit = addNInputLimit(tf.backend());
      for (const count of [2, 7, 8, limit, limit + 1, 2 * limit + 3, limit * limit + 2]) {
        // Input i holds i + 1 everywhere, so the sum is count (count + 1) / 2.
        const inputs = Array.from({ length: count }, (_, i) => tf.fill([5], i + 1));
        const sum = tf.addN(inputs);
        expect(Array.from(await sum.data()), `${count} inputs`).toEqual(new Array(5).fill((count * (count + 1)) / 2));
        tf.dispose([sum, ...inputs]);
      }
    });

    it('keeps the tensor count steady across addN calls that need partial sums', async () => {
      process.env.SELFSUP_WEBGPU_BACKEND = 'opengles';
      await useBackend('webgpu');
      const inputs = Array.from({ length: 3 * addNInputLimit(tf.backend()) + 1 }, () => tf.ones([4]));
      const before = tf.memory().numTensors;
      const bytesBefore = tf.memory().numBytes;
      for (let i = 0; i < 3; i++) {
        const sum = tf.addN(inputs);
        await sum.data();
        sum.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.memory().numBytes).toBe(bytesBefore);
      tf.dispose(inputs);
    });
  });
});
