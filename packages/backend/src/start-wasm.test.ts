import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRng, isSslError } from '@selfsup/core';
import { expectClose } from '@selfsup/testing';
import { useBackend } from './use-backend.js';
import { WASM_MAX_THREADS } from './start-wasm.js';

afterAll(async () => {
  await useBackend('cpu');
});

interface Emscripten {
  PThread: { runningWorkers: unknown[] };
}

/** The Emscripten threads running besides the main one on the active wasm backend. */
function runningWasmThreads(): number {
  return ((tf.backend() as unknown as { wasm: Emscripten }).wasm.PThread?.runningWorkers ?? []).length;
}

/** Seeded inputs, made on the host so that every backend sees the same numbers. */
function inputs(): { x: Float32Array; w: Float32Array; gamma: Float32Array } {
  const rng = createRng(7);
  const fill = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal());
  return { x: fill(24 * 40), w: fill(40 * 36), gamma: fill(36) };
}

/**
 * A small transformer-like computation: a matmul, a softmax over the last axis, and a
 * layer-norm-like normalisation with a scale, reduced to a loss whose gradient is also taken.
 * Returns [y, softmax, normalised, gradient of the loss w.r.t. w].
 */
function transformerLike(data: ReturnType<typeof inputs>): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor2d(data.x, [24, 40]);
    const w = tf.tensor2d(data.w, [40, 36]);
    const gamma = tf.tensor1d(data.gamma);
    const forward = (weights: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] => {
      const y = tf.matMul(x, weights) as tf.Tensor2D; // [24, 40] x [40, 36] -> [24, 36]
      const p = tf.softmax(y);
      const { mean, variance } = tf.moments(y, -1, true);
      const normalised = tf.mul(tf.div(tf.sub(y, mean), tf.sqrt(tf.add(variance, 1e-6))), gamma) as tf.Tensor2D; // [24, 36]
      return [y, p, normalised];
    };
    const outputs = forward(w);
    const gradient = tf.grad((weights: tf.Tensor) => {
      const [, p, normalised] = forward(weights as tf.Tensor2D);
      return tf.add(tf.mean(tf.square(normalised)), tf.mean(tf.mul(p, normalised)));
    })(w);
    return [...outputs, gradient].map((t) => t.dataSync() as Float32Array);
  });
}

describe('startWasm (via useBackend)', () => {
  it('multiplies [[1, 2], [3, 4]] by [[5, 6], [7, 8]] on two threads', async () => {
    const info = await useBackend('wasm', { threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', tfBackend: 'wasm', threads: 2, reason: 'requested' });
    // [1*5 + 2*7, 1*6 + 2*8; 3*5 + 4*7, 3*6 + 4*8] = [19, 22; 43, 50]
    const product = tf.tidy(() =>
      Array.from(
        tf
          .matMul(
            tf.tensor2d([
              [1, 2],
              [3, 4],
            ]),
            tf.tensor2d([
              [5, 6],
              [7, 8],
            ]),
          )
          .dataSync(),
      ),
    );
    expect(product).toEqual([19, 22, 43, 50]);
  });

  it('really runs the extra threads: one Emscripten thread besides the main one for 2, two for 3', async () => {
    await useBackend('wasm', { threads: 2 });
    expect(runningWasmThreads()).toBe(1);
    await useBackend('wasm', { threads: 3 });
    expect(runningWasmThreads()).toBe(2);
  });

  it('matches cpu to 1e-5 relative, and single-threaded wasm exactly', async () => {
    const data = inputs();
    await useBackend('cpu');
    const onCpu = transformerLike(data);
    await useBackend('wasm', { threads: 2 });
    const onTwoThreads = transformerLike(data);
    await useBackend('wasm', { threads: 1 });
    expect(runningWasmThreads()).toBe(0);
    const onOneThread = transformerLike(data);
    const labels = ['matMul', 'softmax', 'layer norm', 'gradient'];
    onCpu.forEach((expected, i) => {
      expectClose(onTwoThreads[i]!, expected, { rtol: 1e-5, atol: 1e-5 }, `${labels[i]} on 2 threads vs cpu`);
      expect(Array.from(onTwoThreads[i]!), `${labels[i]}: 2 threads vs 1`).toEqual(Array.from(onOneThread[i]!));
    });
  });

  it(`caps the threads at ${WASM_MAX_THREADS} and says so`, async () => {
    const info = await useBackend('wasm', { threads: WASM_MAX_THREADS + 1 });
    expect(info.threads).toBe(WASM_MAX_THREADS);
    expect(info.reason).toContain(`capped at ${WASM_MAX_THREADS} threads`);
  });

  it('refuses to change the thread count while tensors live on wasm, and restarts once they are disposed', async () => {
    await useBackend('wasm', { threads: 2 });
    const kept = tf.tensor1d([1, 2, 3]);
    const error = await useBackend('wasm', { threads: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isSslError(error, 'NOT_SUPPORTED')).toBe(true);
    expect((error as Error).message).toContain('1 live tensor');
    expect(tf.getBackend()).toBe('wasm');
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3]);
    kept.dispose();
    const info = await useBackend('wasm', { threads: 1 });
    expect(info.threads).toBe(1);
  });

  it('lets a process using two wasm threads exit on its own', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { useBackend } from '@selfsup/backend';",
      "const info = await useBackend('wasm', { threads: 2 });",
      'const y = tf.matMul(tf.ones([64, 64]), tf.ones([64, 64]));',
      'console.log(info.threads, y.dataSync()[0]);',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(child.error, child.stderr).toBeUndefined();
    expect(child.signal, 'the process hung and was killed').toBeNull();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trim()).toBe('2 64');
  });
});
