// useBackend('webgpu') in a real browser: browser-webgpu-page.ts, bundled by esbuild from the
// packages' TypeScript source (the `@selfsup/source` condition), served on 127.0.0.1 (a secure
// context, which WebGPU needs) and opened in headless Debian Chromium (/usr/bin/chromium) driven by
// npm's playwright-core, with WebGPU on Chromium's software adapter (SwiftShader). The page runs a
// tiny ViT's forward and backward pass on cpu and on webgpu, then three optimizer steps (clipping
// per parameter, AdamW) from cpu's weights and gradients on each, and this test checks that webgpu
// ran through navigator.gpu with every one of selfsup's WGSL kernels (LayerNorm, GELU, clipping,
// AdamW), the loss, every gradient, the norms and the updated weights match cpu, and no tensor leaked.
//
// Run: npx vitest run --config packages/backend/test/browser-webgpu.config.ts
// Skipped, with the reason, when /usr/bin/chromium (or SELFSUP_CHROMIUM) is missing or Chromium
// offers no WebGPU adapter; SELFSUP_REQUIRE_BROWSER=1 makes both a failure (CI).
//
// Tolerances (float32, |webgpu - cpu| <= atol + rtol |cpu|): rtol 1e-3, atol 1e-4, as for the ViT in
// packages/backbones/src/webgpu-custom-ops.test.ts: two blocks chain sums of a few hundred products
// taken in another order on each backend, far below a wrong kernel's error. The optimizer steps start
// from the same numbers on both backends, so their weights must agree much closer (rtol 1e-5, atol
// 1e-7; an update is about 1e-2, the learning rate, and a wrong moment or bias correction changes it
// by a sizeable part of that).
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserWebgpuResult } from './browser-webgpu-page.js';

const CHROMIUM = process.env.SELFSUP_CHROMIUM ?? '/usr/bin/chromium';
const REQUIRED = process.env.SELFSUP_REQUIRE_BROWSER === '1';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'];
const TOLERANCE = { rtol: 1e-3, atol: 1e-4 };
const OPTIMIZER_TOLERANCE = { rtol: 1e-5, atol: 1e-7 };
const FUSED_KERNELS = ['SelfsupLayerNorm', 'SelfsupLayerNormGrad', 'SelfsupGelu', 'SelfsupGeluGrad', 'SelfsupClipNorm', 'SelfsupAdamW'];

const missing = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set SELFSUP_CHROMIUM)`;
if (missing !== undefined && REQUIRED) throw new Error(`browser-webgpu: SELFSUP_REQUIRE_BROWSER=1 but ${missing}`);
if (missing !== undefined) console.warn(`browser-webgpu: SKIPPED: ${missing}`);

/** The page's script: one ES module with everything it imports. */
async function bundlePage(): Promise<string> {
  const built = await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./browser-webgpu-page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@selfsup/source'],
    logLevel: 'silent',
  });
  return built.outputFiles[0]!.text;
}

/** Serves the page and its script on 127.0.0.1 at a free port. */
async function serve(script: string): Promise<{ server: Server; url: string }> {
  const html = '<!doctype html><meta charset="utf-8"><title>selfsup webgpu</title><script type="module" src="/page.js"></script>';
  const server = createServer((request, response) => {
    const isScript = request.url === '/page.js';
    response.writeHead(isScript || request.url === '/' ? 200 : 404, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
    response.end(isScript ? script : request.url === '/' ? html : 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('browser-webgpu: the page server has no port');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

/** Opens `url` in headless Chromium (a fresh profile) and returns what the page reports. */
async function runPage(url: string): Promise<{ result: BrowserWebgpuResult; console: string[] }> {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(join(tmpdir(), 'selfsup-browser-webgpu-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const lines: string[] = [];
  try {
    const page = await context.newPage();
    page.on('console', (message) => lines.push(`${message.type()}: ${message.text()}`));
    page.on('pageerror', (error) => lines.push(`pageerror: ${error.message}`));
    await page.goto(url);
    await page.waitForFunction(() => (window as { selfsupResult?: unknown }).selfsupResult !== undefined, undefined, { timeout: 150_000 });
    const result = (await page.evaluate(() => (window as { selfsupResult?: unknown }).selfsupResult)) as BrowserWebgpuResult;
    return { result, console: lines };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

function expectClose(label: string, actual: readonly number[], expected: readonly number[], tolerance = TOLERANCE): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const bound = tolerance.atol + tolerance.rtol * Math.abs(expected[i]!);
    if (!(Math.abs(actual[i]! - expected[i]!) <= bound)) {
      throw new Error(`${label}: element ${i} is ${actual[i]} on webgpu, ${expected[i]} on cpu (allowed ${bound})`);
    }
  }
}

describe.skipIf(missing !== undefined)(`useBackend('webgpu') in headless Chromium (${CHROMIUM})`, () => {
  let page: { result: BrowserWebgpuResult; console: string[] };
  let server: Server | undefined;

  beforeAll(async () => {
    const served = await serve(await bundlePage());
    server = served.server;
    page = await runPage(served.url);
  }, 240_000);

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('runs a ViT forward and backward pass and optimizer steps on navigator.gpu with the WGSL kernels, as on cpu', (context) => {
    const { result } = page;
    const noAdapter = !result.ok && /no WebGPU adapter|navigator\.gpu/.test(result.error ?? '');
    if (noAdapter && !REQUIRED) {
      console.warn(`browser-webgpu: SKIPPED: Chromium offers no WebGPU adapter here: ${result.error}`);
      context.skip();
    }
    console.log(`browser-webgpu: adapter ${JSON.stringify(result.adapter)}; dispatches ${JSON.stringify(result.dispatchesByKernel)}`);
    expect(result.error, `the page failed; its console:\n${page.console.join('\n')}`).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.hasNavigatorGpu).toBe(true);
    expect(result.adapter).toMatchObject({ source: 'navigator' });
    for (const kernel of FUSED_KERNELS) expect(result.dispatchesByKernel?.[kernel] ?? 0, `${kernel} dispatches`).toBeGreaterThan(0);
    expect(result.tensorGrowth).toBe(0);
    const { cpu, webgpu } = result;
    expectClose('loss', [webgpu!.loss], [cpu!.loss]);
    expect(Object.keys(webgpu!.gradients).sort()).toEqual(Object.keys(cpu!.gradients).sort());
    expect(Object.keys(cpu!.gradients)).toContain('blocks.0.norm1.weight');
    for (const [name, gradient] of Object.entries(cpu!.gradients)) expectClose(`gradient of ${name}`, webgpu!.gradients[name]!, gradient);
    const { cpuSteps, webgpuSteps } = result;
    expect(webgpuSteps!.norms).toHaveLength(cpuSteps!.norms.length);
    cpuSteps!.norms.forEach((norms, step) => expectClose(`step ${step}: gradient norms`, webgpuSteps!.norms[step]!, norms, OPTIMIZER_TOLERANCE));
    expect(Object.keys(webgpuSteps!.weights).sort()).toEqual(Object.keys(cpu!.gradients).sort());
    for (const [name, weights] of Object.entries(cpuSteps!.weights)) {
      const before = cpu!.weights[name]!.values;
      // the steps moved every weight whose gradient is not zero (by about the learning rate)
      expect(weights.some((w, i) => Math.abs(w - before[i]!) > 1e-3), `${name} moved`).toBe(true);
      expectClose(`weight ${name} after the steps`, webgpuSteps!.weights[name]!, weights, OPTIMIZER_TOLERANCE);
    }
  });
});
