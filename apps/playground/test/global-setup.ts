import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { build } from 'vite';
import { whyNoChromium } from './chromium.js';

export const APP_ROOT = join(import.meta.dirname, '..');

declare module 'vitest' {
  export interface ProvidedContext {
    /** The built playground, or undefined when the browser tests are skipped. */
    playgroundDist: string | undefined;
  }
}

/**
 * Builds the playground once for every browser test (`vite build`, as `npm run build -w
 * apps/playground` does), unless `SELFSUP_PLAYGROUND_DIST` names a build to test. Nothing is built
 * when there is no Chromium (the tests then skip, saying why).
 */
export default async function setup(project: TestProject): Promise<void> {
  const skip = whyNoChromium();
  if (skip !== undefined) {
    console.log(`playground browser tests skipped: ${skip}`);
    project.provide('playgroundDist', undefined);
    return;
  }
  const given = process.env.SELFSUP_PLAYGROUND_DIST === undefined ? undefined : resolve(process.env.SELFSUP_PLAYGROUND_DIST);
  if (given !== undefined) {
    if (!existsSync(join(given, 'index.html'))) throw new Error(`SELFSUP_PLAYGROUND_DIST=${given} holds no index.html: build it with npm run build -w apps/playground`);
    project.provide('playgroundDist', given);
    return;
  }
  const outDir = join(APP_ROOT, 'dist');
  const started = Date.now();
  await build({ root: APP_ROOT, configFile: join(APP_ROOT, 'vite.config.ts'), logLevel: 'warn', build: { outDir } });
  console.log(`playground built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('playgroundDist', outDir);
}
