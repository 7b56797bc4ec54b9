// Test support for the WGSL kernel tests of src/webgpu-fused-kernels/: a test file whose
// comparisons need a process on webgpu runs itself again in a child vitest process on webgpu
// unless it already is one. Activating webgpu in an ordinary test process would install Dawn's
// navigator.gpu and a device for the rest of the worker, where use-backend-webgpu.test.ts's
// no-adapter cases could no longer be reached (test files share their worker).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { webgpuAvailability } from '../src/webgpu-availability.js';

/** A webgpu adapter for the child process, or why there is none. */
export interface WebgpuTestAdapter {
  readonly available: boolean;
  readonly reason: string;
  /** `SELFSUP_WEBGPU_BACKEND` for the child (`opengles` when only Dawn's software adapter exists). */
  readonly dawnBackend?: string;
}

/** Whether this test process is the one on webgpu (SELFSUP_TEST_BACKEND=webgpu, scripts/ci/webgpu-tests.sh). */
export function runsOnWebgpu(): boolean {
  return tf.getBackend() === 'webgpu';
}

/** The configured webgpu adapter, else Dawn's OpenGL ES software adapter (then `dawnBackend`). */
export async function findWebgpuTestAdapter(): Promise<WebgpuTestAdapter> {
  if (runsOnWebgpu()) return { available: true, reason: 'this process runs on webgpu' };
  const configured = await webgpuAvailability();
  if (configured.adapter !== undefined) return { available: true, reason: configured.reason, dawnBackend: process.env.SELFSUP_WEBGPU_BACKEND };
  if (process.env.SELFSUP_WEBGPU_BACKEND !== undefined) return { available: false, reason: configured.reason };
  const software = await webgpuAvailability({ backend: 'opengles', featureLevel: 'compatibility' });
  if (software.adapter === undefined) return { available: false, reason: `${configured.reason}; ${software.reason}` };
  return { available: true, reason: software.reason, dawnBackend: 'opengles' };
}

/**
 * Outside a webgpu process: one test that runs `testFileUrl` (the caller's `import.meta.url`) in a
 * child vitest process on webgpu and passes when everything there passed but this one test, which
 * the child skips. Skipped in the webgpu process itself and when no adapter exists (with the reason).
 */
export function describeInWebgpuChild(title: string, testFileUrl: string, adapter: WebgpuTestAdapter): void {
  describe.skipIf(runsOnWebgpu() || !adapter.available)(`${title} on webgpu, in a child process (${adapter.reason})`, () => {
    it('passes every comparison of the file in a vitest process on webgpu', async () => {
      const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
      const env: NodeJS.ProcessEnv = { ...process.env, SELFSUP_TEST_BACKEND: 'webgpu', NO_COLOR: '1', FORCE_COLOR: '0' };
      if (adapter.dawnBackend !== undefined) env.SELFSUP_WEBGPU_BACKEND = adapter.dawnBackend;
      const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
      let output: string;
      try {
        const child = await promisify(execFile)(process.execPath, [vitest, 'run', fileURLToPath(testFileUrl)], { cwd: repositoryRoot, env, timeout: 180_000, maxBuffer: 16 * 2 ** 20 });
        output = child.stdout + child.stderr;
      } catch (error) {
        const failed = error as { stdout?: string; stderr?: string; message: string };
        throw new Error(`the child vitest process on webgpu failed: ${failed.message}\n${failed.stdout ?? ''}${failed.stderr ?? ''}`);
      }
      // Everything ran there but this one test (skipped in the child, which is on webgpu itself).
      expect(output).toMatch(/Tests\s+\d+ passed \| 1 skipped \(\d+\)/);
      expect(output).not.toMatch(/failed/);
    });
  });
}
