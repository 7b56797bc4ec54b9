import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, type HeadlessChromium } from './chromium.js';
import { artifactDir, canvasColours, collectConsole, mean, pause, snapshot, waitFor, type PageSnapshot } from './playground-page.js';
import { serveStatic, type StaticServer } from './static-server.js';

// The playground trains in headless Chromium, once on wasm and once on WebGPU (Chromium's software
// adapter, SwiftShader, which computes on the CPU): the page loads, trains, the loss stays finite and
// falls, k-NN accuracy is shown, the attention canvas is painted, and tf.memory()'s tensor count
// stays the same from step to step. Both runs train the same configuration from the same seed, so
// WebGPU must also give wasm's losses.
//
// The configuration is MAE-style on the tiny ViT at batch 8 with the learning rate raised and no
// warm-up (`?set=`, as `selfsup pretrain --set`), and k-NN on the first 40 + 20 images: SwiftShader
// is slow (a tiny-ViT forward pass takes about 0.1 s per image there), and this keeps the WebGPU run
// to a few minutes while the loss still falls visibly within a few dozen steps.

const dist = inject('playgroundDist');

const CONFIGURATION =
  'method=mae&size=tiny&set=batchSize=8&set=optimizer.warmupEpochs=0&set=optimizer.learningRate=0.02&knnTrain=40&knnTest=20';

interface RunResult {
  readonly snapshot: PageSnapshot;
  readonly losses: number[];
}

/** Trains `steps` steps on `backend`, pauses, checks what every run must show, saves a screenshot. */
async function trainInBrowser(server: StaticServer, backend: 'wasm' | 'webgpu', steps: number): Promise<RunResult> {
  const browser: HeadlessChromium = await launchChromium({ webgpu: backend === 'webgpu' });
  try {
    const page = await browser.context.newPage();
    const log = collectConsole(page);
    await page.goto(`${server.url}?${CONFIGURATION}&backend=${backend}&knnEvery=${steps}&picturesEvery=${steps}`);
    try {
      await waitFor(page, `${steps} steps on ${backend}`, (s) => s.steps.length >= steps, { timeoutMs: 480_000 });
      await pause(page);
      const s = await waitFor(page, `k-NN and pictures at step ${steps}`, (x) => x.knn.some((k) => k.iteration >= steps) && x.pictures.some((p) => p >= steps), {
        timeoutMs: 300_000,
      });
      await page.screenshot({ path: join(artifactDir(), `playground-${backend}.png`), fullPage: true });

      expect(s.session?.backend.name).toBe(backend);
      const losses = s.steps.map((step) => step.loss);
      expect(losses.every(Number.isFinite), `losses: ${losses.join(', ')}`).toBe(true);
      // falls: the last steps' mean loss is well below the first steps'
      expect(mean(losses.slice(-5)), `losses: ${losses.map((l) => l.toFixed(3)).join(' ')}`).toBeLessThan(0.8 * mean(losses.slice(0, 5)));
      // k-NN shown: before training and after the last step, a top-1 accuracy in [0, 100]
      expect(s.knn.length).toBeGreaterThanOrEqual(2);
      for (const k of s.knn) {
        expect(k.top1).toBeGreaterThanOrEqual(0);
        expect(k.top1).toBeLessThanOrEqual(100);
      }
      expect(await page.locator('#knn-chart canvas').count()).toBeGreaterThan(0);
      // the attention canvas holds a grid of images and heat maps, not one colour
      const attention = await canvasColours(page, 'attention-canvas');
      expect(attention.hidden).toBe(false);
      expect(attention.width).toBeGreaterThan(100);
      expect(attention.colours).toBeGreaterThan(20);
      // a steady tensor count: every step ends with the same tensors alive (the pictures and k-NN between steps included)
      const counts = new Set(s.steps.slice(1).map((step) => step.numTensors));
      expect([...counts], 'tf.memory().numTensors after each step').toHaveLength(1);
      expect(new Set(s.steps.slice(1).map((step) => step.numBytes)).size).toBe(1);
      return { snapshot: s, losses };
    } catch (error) {
      console.log(`browser console (${backend}):\n${log.slice(-40).join('\n')}`);
      throw error;
    }
  } finally {
    await browser.close();
  }
}

describe.skipIf(dist === undefined)('the playground trains in headless Chromium', () => {
  let server: StaticServer;
  let wasm: RunResult | undefined;
  beforeAll(async () => {
    server = await serveStatic(dist!);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('on wasm: 36 steps, the loss falls, k-NN and attention shown, tensor count steady', async () => {
    wasm = await trainInBrowser(server, 'wasm', 36);
    console.log(`wasm: loss ${wasm.losses[0]!.toFixed(3)} -> ${wasm.losses.at(-1)!.toFixed(3)}; ${mean(wasm.snapshot.steps.map((s) => s.milliseconds)).toFixed(0)} ms per step`);
  });

  it("on WebGPU (Chromium's software adapter): 24 steps, the same checks, and wasm's losses", async () => {
    const webgpu = await trainInBrowser(server, 'webgpu', 24);
    const { session, steps } = webgpu.snapshot;
    expect(session?.backend.reason).toMatch(/software adapter|swiftshader/i);
    console.log(`webgpu (${session?.backend.adapter}): ${mean(steps.slice(1).map((s) => s.milliseconds)).toFixed(0)} ms per step after the first (${steps[0]!.milliseconds.toFixed(0)} ms)`);
    // same configuration, seed, data order and step randomness: float32 on another backend drifts a little over the steps
    expect(wasm, 'the wasm run (the test before) gives the reference losses').toBeDefined();
    const reference = wasm!.losses;
    webgpu.losses.slice(0, 12).forEach((loss, i) => expect(Math.abs(loss - reference[i]!), `step ${i}: webgpu ${loss}, wasm ${reference[i]}`).toBeLessThan(5e-3 * Math.max(1, Math.abs(loss))));
  });

  it('shows a bad address as a clear message', async () => {
    const browser = await launchChromium({ webgpu: false });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}?method=byol`);
      await expect.poll(() => page.locator('#problems').textContent()).toMatch(/\?method=.*expected ibot \| dino \| mae.*byol/s);
      await page.goto(`${server.url}?size=tiny&autorun=0&set=optimizer.learningRat=0.1`);
      const s = await waitFor(page, 'the refusal of an unknown key', (x) => x.problems.length > 0, { timeoutMs: 120_000, allowProblems: true });
      expect(s.problems[0]!.code).toBe('INVALID_CONFIG');
      expect(s.problems[0]!.message).toMatch(/optimizer.*learningRat/);
      expect((await snapshot(page)).steps).toHaveLength(0);
    } finally {
      await browser.close();
    }
  });
});
