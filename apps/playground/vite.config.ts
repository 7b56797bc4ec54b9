import { defineConfig, defaultClientConditions } from 'vite';

// The playground builds from the packages' TypeScript source (the `@selfsup/source` export
// condition, as the tests do), so `npm run playground` needs no `npm run build` first. The packages
// are the same ones a Node.js user installs: nothing here is a browser-only copy.
export default defineConfig({
  base: './',
  resolve: { conditions: ['@selfsup/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    // tfjs-core alone is ~1 MB minified; the bundle is one training app, not a landing page
    chunkSizeWarningLimit: 4096,
  },
  server: { port: 5173 },
  preview: { port: 4173 },
});
