import { defineConfig } from 'vitest/config';

// The playground's tests in a real browser (headless Chromium through playwright-core): not part of
// `npm test` (they take minutes); `npm run test:browser` and scripts/ci/browser-tests.sh run them.
// global-setup.ts builds the app once; the tests serve the build and drive Chromium.
export default defineConfig({
  resolve: { conditions: ['@selfsup/source'] },
  ssr: { resolve: { conditions: ['@selfsup/source'] } },
  test: {
    name: 'playground-browser',
    include: ['test/**/*.browser.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    fileParallelism: false,
  },
});
