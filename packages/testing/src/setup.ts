// vitest setup file: every test process runs on the backend named by SELFSUP_TEST_BACKEND
// (default: cpu, the reference implementation of every kernel). On webgpu, SELFSUP_WEBGPU_BACKEND
// picks Dawn's backend (`opengles` on a machine without a GPU: see scripts/ci/webgpu-tests.sh).
import { afterEach } from 'vitest';
import { useBackend, type BackendName } from '@selfsup/backend';
import { settleDeferredChecks } from './matchers.js';

await useBackend((process.env.SELFSUP_TEST_BACKEND ?? 'cpu') as BackendName);

// expectClose on webgpu compares once the values arrive (no dataSync in Node.js): fail the test here.
afterEach(settleDeferredChecks);
