import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isSslError } from '@selfsup/core';
import { formatNativeFallbackReport, nativeFallbackReport, reportFallbacksSetting, resetNativeFallbackReport } from './fallback-report.js';
import { NATIVE_BACKEND_NAME } from './index.js';
import { nativeReady, uniform } from '../test/parity.js';

afterEach(async () => {
  delete process.env.SELFSUP_NATIVE_REPORT_FALLBACKS;
  await tf.setBackend('cpu');
});

describe.skipIf(!nativeReady)('the native fallback report', () => {
  it('counts the kernels that ran cpu code, why, and their largest inputs, largest first', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const x = tf.tensor(uniform([40, 25], 1).values, [40, 25]);
    const small = tf.tensor([1, 2, 3], [3], 'int32');
    resetNativeFallbackReport();
    const outputs = [tf.cumsum(x, 1), tf.cumsum(tf.slice(x, [0, 0], [2, 3]), 0), tf.add(small, small), tf.reshape(x, [1000]), tf.exp(x)];
    const report = nativeFallbackReport();
    expect(report).toEqual([
      { kernel: 'Cumsum', reason: 'no native kernel', calls: 2, largestInputSize: 1000, largestInputs: 'float32[40,25]' },
      { kernel: 'Add', reason: 'inputs not supported natively', calls: 1, largestInputSize: 3, largestInputs: 'int32[3], int32[3]' },
    ]);
    const text = formatNativeFallbackReport(report);
    expect(text.trimEnd().split('\n')).toHaveLength(3);
    expect(text).toMatch(/Cumsum\s+2 calls, largest input 1,000 elements: float32\[40,25\] \(no native kernel\)/);
    resetNativeFallbackReport();
    expect(nativeFallbackReport()).toEqual([]);
    expect(formatNativeFallbackReport([])).toMatch(/every kernel ran natively/);
    tf.dispose([x, small, ...outputs]);
  });

  it('names the array behind a tensor that is not its dtype\'s own (what tfjs-backend-cpu\'s Cast from bool leaves)', async () => {
    await tf.setBackend(NATIVE_BACKEND_NAME);
    const backend = tf.backend() as unknown as { makeTensorInfo(shape: number[], dtype: tf.DataType, values: Uint8Array): tf.TensorInfo };
    const mask = tf.engine().makeTensorFromTensorInfo(backend.makeTensorInfo([2, 2], 'float32', new Uint8Array([1, 0, 0, 1])));
    const y = tf.ones([2, 2]);
    resetNativeFallbackReport();
    const product = tf.mul(y, mask);
    expect(Array.from(product.dataSync())).toEqual([1, 0, 0, 1]);
    expect(nativeFallbackReport()).toEqual([expect.objectContaining({ kernel: 'Multiply', reason: 'inputs not supported natively', largestInputs: 'float32[2,2], float32(Uint8Array)[2,2]' })]);
    tf.dispose([mask, y, product]);
  });

  it('reads SELFSUP_NATIVE_REPORT_FALLBACKS as 0 or 1 and refuses other values naming the variable', () => {
    expect(reportFallbacksSetting()).toBe(false);
    process.env.SELFSUP_NATIVE_REPORT_FALLBACKS = '1';
    expect(reportFallbacksSetting()).toBe(true);
    process.env.SELFSUP_NATIVE_REPORT_FALLBACKS = '0';
    expect(reportFallbacksSetting()).toBe(false);
    process.env.SELFSUP_NATIVE_REPORT_FALLBACKS = 'yes';
    let error: unknown;
    try {
      reportFallbacksSetting();
    } catch (e) {
      error = e;
    }
    expect(isSslError(error, 'INVALID_CONFIG') && error.message).toMatch(/SELFSUP_NATIVE_REPORT_FALLBACKS: expected 0 or 1, got "yes"/);
  });

  it('prints the report when the process exits with SELFSUP_NATIVE_REPORT_FALLBACKS=1', () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { registerNativeBackend, NATIVE_BACKEND_NAME } from '@selfsup/backend-native';",
      'await registerNativeBackend();',
      'await tf.setBackend(NATIVE_BACKEND_NAME);',
      'tf.cumsum(tf.ones([6, 7]), 1).dataSync();',
      'tf.equal(tf.ones([4]), tf.zeros([4])).dataSync();',
    ].join('\n');
    const root = fileURLToPath(new URL('..', import.meta.url));
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
    const on = run({ SELFSUP_NATIVE_REPORT_FALLBACKS: '1' });
    expect(on.status, on.stderr).toBe(0);
    expect(on.stderr).toMatch(/kernels that ran tfjs-backend-cpu's JavaScript/);
    expect(on.stderr).toMatch(/Cumsum\s+1 calls, largest input 42 elements: float32\[6,7\] \(no native kernel\)/);
    expect(on.stderr).not.toMatch(/Equal/);
    const off = run({ SELFSUP_NATIVE_REPORT_FALLBACKS: '0' });
    expect(off.status, off.stderr).toBe(0);
    expect(off.stderr).not.toMatch(/tfjs-backend-cpu/);
  }, 180_000);
});
