import { defineConfig } from 'vitest/config';

// The browser WebGPU test (browser-webgpu.test.ts) alone: it is not in `npm test`'s projects (it
// starts Chromium). Run: npx vitest run --config packages/backend/test/browser-webgpu.config.ts
export default defineConfig({
  resolve: { conditions: ['@selfsup/source'] },
  ssr: { resolve: { conditions: ['@selfsup/source'] } },
  test: {
    name: 'backend-browser-webgpu',
    root: import.meta.dirname,
    include: ['browser-webgpu.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 240_000,
  },
});
