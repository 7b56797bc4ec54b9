import { defineConfig } from 'vitest/config';

// The playground's tests: unit tests of its pure parts (src/**/*.test.ts, seconds) and tests in a real
// browser (headless Chromium through playwright-core, test/*.browser.test.ts, minutes). Not part of
// `npm test`; `npm run test:browser` and scripts/ci/browser-tests.sh run them. global-setup.ts builds
// the app once; the browser tests serve the build and drive Chromium.
export default defineConfig({
  resolve: { conditions: ['@selfsup/source'] },
  ssr: { resolve: { conditions: ['@selfsup/source'] } },
  test: {
    name: 'playground',
    include: ['src/**/*.test.ts', 'test/**/*.browser.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
