import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { installCommand, isBackendPackageInstalled } from './backend-package.js';
import { useBackend, type BackendName } from './use-backend.js';
import { isNativeAvailable } from '@selfsup/backend-native';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const tfjsNodeInstalled = await isBackendPackageInstalled('tensorflow');
const nativeAvailable = isNativeAvailable();
const tfjsNodeGpuInstalled = await isBackendPackageInstalled('tensorflow-gpu');
const savedThreads = process.env.SELFSUP_THREADS;

afterEach(async () => {
  if (savedThreads === undefined) delete process.env.SELFSUP_THREADS;
  else process.env.SELFSUP_THREADS = savedThreads;
  await useBackend('cpu');
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

/** d/dx sum(x^2) = 2x, so at x = [1, -2, 3] the gradient is [2, -4, 6]. */
async function squareSumGradient(): Promise<number[]> {
  const gradient = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, -2, 3])));
  const values = Array.from(await gradient.data());
  gradient.dispose();
  return values;
}

/**
 * d/dA sum(A B) = 1 B^T: every row of the gradient is the row sums of B.
 * B = [[1, 2], [3, 4]] has row sums [3, 7], so dA = [[3, 7], [3, 7]].
 */
async function matMulGradient(): Promise<number[]> {
  const gradient = tf.tidy(() => {
    const b = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    return tf.grad((a: tf.Tensor) => tf.sum(tf.matMul(a as tf.Tensor2D, b)))(tf.zeros([2, 2]));
  });
  const values = Array.from(await gradient.data());
  gradient.dispose();
  return values;
}

describe('useBackend', () => {
  it('runs cpu on one thread, as requested', async () => {
    const info = await useBackend('cpu', { threads: 2 });
    expect(info).toEqual({ name: 'cpu', tfBackend: 'cpu', threads: 1, reason: 'requested' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('makes tf.grad work on cpu', async () => {
    await useBackend('cpu');
    expect(await squareSumGradient()).toEqual([2, -4, 6]);
    expect(await matMulGradient()).toEqual([3, 7, 3, 7]);
  });

  it('makes tf.grad work on wasm with two threads', async () => {
    const info = await useBackend('wasm', { threads: 2 });
    expect(tf.getBackend()).toBe('wasm');
    expect(info.threads).toBe(2);
    expect(await squareSumGradient()).toEqual([2, -4, 6]);
    expect(await matMulGradient()).toEqual([3, 7, 3, 7]);
  });

  it.skipIf(tfjsNodeInstalled)('names the npm command when tensorflow (tfjs-node) is missing', async () => {
    const error = await rejection(useBackend('tensorflow'));
    expect(isSslError(error, 'BACKEND_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain(installCommand('tensorflow'));
    expect((error as Error).message).toContain('libtensorflow');
  });

  it.skipIf(tfjsNodeGpuInstalled)('names the npm command when tensorflow-gpu (tfjs-node-gpu) is missing', async () => {
    const error = await rejection(useBackend('tensorflow-gpu'));
    expect(isSslError(error, 'BACKEND_UNAVAILABLE')).toBe(true);
    expect((error as Error).message).toContain(installCommand('tensorflow-gpu'));
  });

  it.skipIf(!nativeAvailable)('runs native with the requested threads, and tf.grad works on it', async () => {
    const info = await useBackend('native', { threads: 2 });
    expect(info).toMatchObject({ name: 'native', tfBackend: 'selfsup-native', threads: 2 });
    // which binary runs: the prebuilt platform package, the build from source, or SELFSUP_NATIVE_ADDON
    expect(info.reason).toMatch(/^requested; native binary: (prebuilt @selfsup\/backend-native-[a-z0-9-]+@\S+|built from source|SELFSUP_NATIVE_ADDON=)/);
    expect(tf.getBackend()).toBe('selfsup-native');
    expect(await squareSumGradient()).toEqual([2, -4, 6]);
    expect(await matMulGradient()).toEqual([3, 7, 3, 7]);
  });

  it.skipIf(!nativeAvailable || tfjsNodeGpuInstalled)('auto prefers native on a machine without a GPU', async () => {
    const info = await useBackend('auto', { threads: 1 });
    expect(info.name).toBe('native');
    expect(info.threads).toBe(1);
    expect(info.reason).toContain('auto chose native');
  });

  it.skipIf(tfjsNodeInstalled || tfjsNodeGpuInstalled)('auto falls back to wasm with one line on why native is missing', () => {
    // A fresh process, so the addon is looked up anew, at a path where no addon was built.
    const script = [
      "import { useBackend } from '@selfsup/backend';",
      'const info = await useBackend("auto", { threads: 2 });',
      'process.stdout.write(JSON.stringify(info));',
    ].join('\n');
    const output = execFileSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, SELFSUP_NATIVE_ADDON: '/nonexistent/selfsup_native.node' },
      encoding: 'utf8',
    });
    const info = JSON.parse(output) as { name: string; threads: number; reason: string };
    expect(info.name).toBe('wasm');
    expect(info.threads).toBe(2);
    expect(info.reason).toContain('auto chose wasm');
    expect(info.reason).toMatch(/skipped .*native \(SELFSUP_NATIVE_ADDON names \/nonexistent\/selfsup_native\.node, which does not exist; unset it/);
    expect(info.reason).not.toContain('\n');
    expect(info.reason).toContain('@tensorflow/tfjs-node is not installed');
  });

  it('rejects an unknown backend name with the valid ones', async () => {
    const error = await rejection(useBackend('webgl' as BackendName));
    expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toContain('auto, webgpu, tensorflow-gpu, native, tensorflow, wasm, cpu');
  });

  it('rejects a bad SELFSUP_THREADS before touching the backend', async () => {
    await useBackend('cpu');
    process.env.SELFSUP_THREADS = 'many';
    const error = await rejection(useBackend('wasm'));
    expect(isSslError(error, 'INVALID_CONFIG')).toBe(true);
    expect((error as Error).message).toContain('SELFSUP_THREADS');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('takes its thread count from SELFSUP_THREADS', async () => {
    process.env.SELFSUP_THREADS = '2';
    const info = await useBackend('wasm');
    expect(info.threads).toBe(2);
  });
});
