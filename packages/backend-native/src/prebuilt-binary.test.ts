// The prebuilt binary of @selfsup/backend-native-linux-x64-gnu (npm/linux-x64-gnu, made by `npm run build`), loaded
// the way users get it: through the loader, in a fresh process, with no SELFSUP_NATIVE_ADDON.
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGE_DIR, PLATFORM_BINARY, PLATFORM_PACKAGE } from '../test/package-layout.js';

// CI builds it before testing (SELFSUP_TEST_PREBUILT=1 there makes its absence a failure).
const required = process.env.SELFSUP_TEST_PREBUILT === '1';
const built = existsSync(PLATFORM_BINARY) && process.platform === 'linux' && process.arch === 'x64';

describe.runIf(built || required)('the prebuilt linux-x64-gnu binary', () => {
  it('is the binary the loader picks, and its matrix product equals the cpu backend', () => {
    expect(existsSync(PLATFORM_BINARY), `${PLATFORM_BINARY} is missing: run \`npm run build\``).toBe(true);
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import { NATIVE_BACKEND_NAME, nativeBinaryInfo, registerNativeBackend } from '@selfsup/backend-native';
      const binary = nativeBinaryInfo();
      if (!(await registerNativeBackend({ threads: 2 }))) throw new Error(binary.reason);
      // [37, 61] x [61, 29] (sizes off the kernels' block sizes, so the edge paths run too)
      const values = (count, seed) => Float32Array.from({ length: count }, (_, i) => Math.sin(i * 0.37 + seed));
      const product = async (backend) => {
        await tf.setBackend(backend);
        const c = tf.matMul(tf.tensor2d(values(37 * 61, 1), [37, 61]), tf.tensor2d(values(61 * 29, 2), [61, 29]));
        return Array.from(await c.data());
      };
      const cpu = await product('cpu');
      const native = await product(NATIVE_BACKEND_NAME);
      const maxDifference = Math.max(...cpu.map((value, i) => Math.abs(value - native[i])));
      process.stdout.write(JSON.stringify({ source: binary.source, summary: binary.summary, path: binary.path, maxDifference, size: native.length }));
    `;
    const environment: Record<string, string | undefined> = { ...process.env };
    delete environment.SELFSUP_NATIVE_ADDON;
    const output = execFileSync(process.execPath, ['--conditions=@selfsup/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: PACKAGE_DIR,
      env: environment,
      encoding: 'utf8',
    });
    const result = JSON.parse(output) as { source: string; summary: string; path: string; maxDifference: number; size: number };
    expect(result.source).toBe('prebuilt');
    expect(result.summary).toMatch(new RegExp(`^prebuilt ${PLATFORM_PACKAGE}@\\d+\\.\\d+\\.\\d+`));
    expect(realpathSync(result.path)).toBe(realpathSync(PLATFORM_BINARY));
    expect(result.size).toBe(37 * 29);
    // float accumulation with FMA against the cpu backend's blocks of doubles: |c| <= 61 here
    expect(result.maxDifference).toBeLessThan(61 * 1e-6);
  });
});
