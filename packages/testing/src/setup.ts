// vitest setup file: every test process runs on the backend named by SELFSUP_TEST_BACKEND
// (default: cpu, the reference implementation of every kernel).
import { useBackend, type BackendName } from '@selfsup/backend';

await useBackend((process.env.SELFSUP_TEST_BACKEND ?? 'cpu') as BackendName);
