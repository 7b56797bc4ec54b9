import { readdirSync, existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One root config; every package is a project. Tests run from TypeScript source through the
// `@selfsup/source` export condition, so no build is needed before `npm test`. Every test process
// selects its backend in packages/testing/src/setup.ts (SELFSUP_TEST_BACKEND, default cpu).
const packages = readdirSync('packages').filter((name) => existsSync(`packages/${name}/package.json`));

export default defineConfig({
  resolve: { conditions: ['@selfsup/source'] },
  ssr: { resolve: { conditions: ['@selfsup/source'] } },
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Test files share their worker's module cache: the backend (and the gradients it registers)
    // loads once per worker instead of once per file.
    isolate: false,
    projects: packages.map((name) => ({
      extends: true,
      test: {
        name,
        root: `packages/${name}`,
        include: ['src/**/*.test.ts'],
        setupFiles: ['../testing/src/setup.ts'],
      },
    })),
  },
});
