import * as tf from '@tensorflow/tfjs-core';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { NATIVE_BACKEND_NAME, NATIVE_KERNELS, autoGemm, isNativeAvailable, nativeBuildInfo, registerNativeBackend } from './index.js';
import { nativeReady, uniform, runOn } from '../test/parity.js';

const saved = { threads: process.env.SELFSUP_THREADS, gemm: process.env.SELFSUP_NATIVE_GEMM, isa: process.env.SELFSUP_NATIVE_ISA };

afterEach(async () => {
  for (const [key, value] of [
    ['SELFSUP_THREADS', saved.threads],
    ['SELFSUP_NATIVE_GEMM', saved.gemm],
    ['SELFSUP_NATIVE_ISA', saved.isa],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  if (nativeReady) await registerNativeBackend();
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${String(value)}`);
    },
    (error: unknown) => error,
  );
}

describe('native addon availability', () => {
  // CI builds the addon (the package's install script); there its absence is a failure, not a skip.
  it.runIf(process.env.CI !== undefined || process.env.SELFSUP_REQUIRE_NATIVE === '1')('is built where CI or SELFSUP_REQUIRE_NATIVE requires it', () => {
    expect(nativeBuildInfo().reason).toBeUndefined();
    expect(isNativeAvailable()).toBe(true);
  });

  it('explains itself in one line when unavailable, and reports what it runs with when available', () => {
    const info = nativeBuildInfo();
    expect(info.available).toBe(isNativeAvailable());
    if (!info.available) {
      expect(info.reason).toMatch(/^[^\n]+$/);
      expect(info.addon).toBeUndefined();
    } else {
      expect(info.reason).toBeUndefined();
      expect(['avx512', 'avx2', 'generic']).toContain(info.addon!.isa);
      expect(['builtin', 'openblas']).toContain(info.addon!.gemm);
    }
    expect(info.kernels).toEqual(NATIVE_KERNELS);
  });
});

describe("gemm: 'auto' (decision 0004)", () => {
  const cooperlake = '/usr/lib/x86_64-linux-gnu/libopenblas.so.0 (OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64), core Cooperlake';
  const haswell = '/usr/lib/x86_64-linux-gnu/libopenblas.so.0 (OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64), core Haswell';

  it('computes with OpenBLAS where it wins: no AVX-512, or its own AVX-512 kernels on one thread', () => {
    expect(autoGemm({ openblasAvailable: true, openblas: haswell, isa: 'avx2', threads: 2 })).toBe('openblas');
    expect(autoGemm({ openblasAvailable: true, openblas: cooperlake, isa: 'avx512', threads: 1 })).toBe('openblas');
  });

  it('computes with ours on AVX-512 with more threads, when OpenBLAS lacks AVX-512 kernels, or when it is absent', () => {
    expect(autoGemm({ openblasAvailable: true, openblas: cooperlake, isa: 'avx512', threads: 2 })).toBe('builtin');
    expect(autoGemm({ openblasAvailable: true, openblas: haswell, isa: 'avx512', threads: 1 })).toBe('builtin');
    expect(autoGemm({ openblasAvailable: false, openblas: 'libopenblas.so.0: cannot open shared object file', isa: 'avx2', threads: 1 })).toBe('builtin');
  });
});

describe.skipIf(!nativeReady)('registerNativeBackend', () => {
  it('registers every cpu kernel under the native backend, the hot ones as native code, and the fused kernels', () => {
    expect(tf.findBackendFactory(NATIVE_BACKEND_NAME)).not.toBeNull();
    const fused = ['SelfsupAdamW', 'SelfsupClipNorm', 'SelfsupGelu', 'SelfsupGeluGrad', 'SelfsupLayerNorm', 'SelfsupLayerNormGrad', 'SelfsupLinearGrad'];
    const cpu = tf.getKernelsForBackend('cpu').map((k) => k.kernelName);
    const native = tf.getKernelsForBackend(NATIVE_BACKEND_NAME).map((k) => k.kernelName).sort();
    expect(native).toEqual([...cpu, ...fused].sort());
    for (const name of fused) expect(NATIVE_KERNELS).toContain(name);
    for (const name of ['BatchMatMul', '_FusedMatMul', 'Softmax', 'Transpose', 'Add', 'Multiply', 'Sum', 'Mean', 'Max', 'Erf', 'Exp', 'Log', 'Concat', 'Slice']) {
      expect(NATIVE_KERNELS).toContain(name);
    }
  });

  it('uses every core by default, SELFSUP_THREADS when set, and the option over both', async () => {
    delete process.env.SELFSUP_THREADS;
    await registerNativeBackend();
    expect(nativeBuildInfo().addon!.threads).toBe(availableParallelism());
    process.env.SELFSUP_THREADS = '3';
    await registerNativeBackend();
    expect(nativeBuildInfo().addon!.threads).toBe(3);
    await registerNativeBackend({ threads: 1 });
    expect(nativeBuildInfo().addon!.threads).toBe(1);
  });

  it('registers the fused kernels unless options.fusedKernels or SELFSUP_NATIVE_FUSED says no, and refuses other values', async () => {
    const fusedRegistered = () => tf.getKernel('SelfsupLayerNorm', NATIVE_BACKEND_NAME) !== undefined;
    try {
      await registerNativeBackend({ fusedKernels: false });
      expect(fusedRegistered()).toBe(false);
      await registerNativeBackend();
      expect(fusedRegistered()).toBe(true);
      process.env.SELFSUP_NATIVE_FUSED = '0';
      await registerNativeBackend();
      expect(fusedRegistered()).toBe(false);
      await registerNativeBackend({ fusedKernels: true });
      expect(fusedRegistered()).toBe(true);
      process.env.SELFSUP_NATIVE_FUSED = 'yes';
      const fromEnv = await rejection(registerNativeBackend());
      expect(isSslError(fromEnv, 'INVALID_CONFIG') && fromEnv.message).toMatch(/SELFSUP_NATIVE_FUSED: expected 0 or 1, got "yes"/);
      delete process.env.SELFSUP_NATIVE_FUSED;
      const option = await rejection(registerNativeBackend({ fusedKernels: 'no' as never }));
      expect(isSslError(option, 'INVALID_ARGUMENT') && option.message).toContain('options.fusedKernels');
    } finally {
      delete process.env.SELFSUP_NATIVE_FUSED;
      await registerNativeBackend();
    }
  });

  it('computes bit-identical results on 1, 2 and 5 threads (work never splits by thread count)', async () => {
    const a = uniform([130, 197], 1);
    const b = uniform([197, 65], 2);
    const long = uniform([2, 300_003], 3);
    const results: (Float32Array | Int32Array | Uint8Array)[][] = [];
    for (const threads of [1, 2, 5]) {
      await registerNativeBackend({ threads });
      const outputs = await runOn(NATIVE_BACKEND_NAME, [a, b, long], (x, y, z) => [
        tf.softmax(tf.matMul(x!, y!)),
        tf.sum(z!, 1),
        tf.mean(z!),
        tf.sum(tf.reshape(z!, [-1, 3]), 0),
      ]);
      results.push(outputs.map((o) => o.values));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('rejects bad thread counts, engines and instruction sets naming the setting', async () => {
    for (const threads of [0, -1, 1.5, 2000]) {
      const error = await rejection(registerNativeBackend({ threads }));
      expect(isSslError(error, 'INVALID_ARGUMENT')).toBe(true);
      expect((error as Error).message).toContain('options.threads');
    }
    process.env.SELFSUP_THREADS = 'two';
    const fromEnv = await rejection(registerNativeBackend());
    expect(isSslError(fromEnv, 'INVALID_CONFIG')).toBe(true);
    expect((fromEnv as Error).message).toContain('SELFSUP_THREADS');
    delete process.env.SELFSUP_THREADS;
    const gemm = await rejection(registerNativeBackend({ gemm: 'mkl' as never }));
    expect(isSslError(gemm, 'INVALID_ARGUMENT')).toBe(true);
    process.env.SELFSUP_NATIVE_ISA = 'sse9';
    const isa = await rejection(registerNativeBackend());
    expect(isSslError(isa, 'INVALID_CONFIG')).toBe(true);
    expect((isa as Error).message).toContain('SELFSUP_NATIVE_ISA');
  });

  it('selects the GEMM engine and instruction set it is asked for', async () => {
    await registerNativeBackend({ gemm: 'builtin', isa: 'generic' });
    expect(nativeBuildInfo().addon).toMatchObject({ gemm: 'builtin', isa: 'generic' });
    if (nativeBuildInfo().addon!.openblasAvailable) {
      await registerNativeBackend({ gemm: 'openblas' });
      expect(nativeBuildInfo().addon!.gemm).toBe('openblas');
    } else {
      const error = await rejection(registerNativeBackend({ gemm: 'openblas' }));
      expect(isSslError(error, 'BACKEND_UNAVAILABLE')).toBe(true);
    }
  });

  it('keeps a steady tensor count and pool over many training steps', async () => {
    const previous = tf.getBackend();
    await tf.setBackend(NATIVE_BACKEND_NAME);
    try {
      const w = tf.variable(tf.randomNormal([32, 48], 0, 0.1, 'float32', 1));
      const x = tf.randomNormal([65, 32], 0, 1, 'float32', 2);
      const step = () =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(() => tf.mean(tf.logSoftmax(tf.matMul(tf.transpose(tf.transpose(x)), w))), [w]);
          w.assign(tf.sub(w, tf.mul(grads[w.name]!, 0.01)));
        });
      step();
      const pool = (tf.backend() as unknown as { pool: { freeByteCount: number } }).pool;
      const tensors = tf.memory().numTensors;
      const free = pool.freeByteCount;
      for (let i = 0; i < 200; i++) step();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(pool.freeByteCount).toBeLessThanOrEqual(free + 64 * 1024);
      tf.dispose([w, x]);
    } finally {
      await tf.setBackend(previous);
    }
  });
});
