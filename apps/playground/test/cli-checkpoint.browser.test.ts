import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeSafetensors } from '@selfsup/core';
import { evaluationPreprocess, openCheckpoint, pickBackbone } from '@selfsup/cli';
import { loadBundledFashionMnist } from '@selfsup/data/node';
import { inputOf } from '@selfsup/ibot';
import { decodeCheckpoint, encodeCheckpoint, latestCheckpoint } from '@selfsup/train/node';
import { launchChromium, type HeadlessChromium } from './chromium.js';
import { artifactDir, canvasColours, collectConsole, pause, snapshot, waitFor } from './playground-page.js';
import { serveStatic, type StaticServer } from './static-server.js';

// A checkpoint written by `selfsup pretrain` in Node.js opens in the playground (through the file
// input; a dropped file takes the same path, and one is dropped below), and the browser's [CLS] features of held-out images equal Node's; bad
// files are refused with a message and leave the running model as it was; the browser trains on
// from the checkpoint and saves one that `selfsup eval knn --checkpoint` evaluates and
// `selfsup pretrain --resume-from` continues.

const dist = inject('playgroundDist');
const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..', '..');
const FEATURE_IMAGES = 8;

/** Runs `selfsup <argv>` as a user does (from source, in a child process), in `cwd`. */
function selfsup(argv: string[], cwd: string): { code: number | null; out: string } {
  const tsx = pathToFileURL(join(REPOSITORY_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const result = spawnSync(process.execPath, ['--conditions=@selfsup/source', '--import', tsx, join(REPOSITORY_ROOT, 'packages/cli/src/bin.ts'), ...argv], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', SELFSUP_THREADS: '1' },
    timeout: 300_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

/**
 * A small iBOT run of the bundled subset: the playground's tiny ViT (dim 32, depth 2), 2 epochs of
 * 5 steps, k-NN at the end only, on the fastest backend (`native` where it was built).
 */
function tinyRunConfig(outDir: string): Record<string, unknown> {
  return {
    method: 'ibot',
    seed: 3,
    epochs: 2,
    batchSize: 32,
    backbone: { imageSize: 28, patchSize: 4, inChannels: 1, embedDim: 32, depth: 2, headCount: 4 },
    head: { outDim: 256, hiddenDim: 128, bottleneckDim: 32 },
    augmentation: { globalCrops: 2, globalSize: 28, globalScale: [0.25, 1], localCrops: 2, localSize: 16, localScale: [0.05, 0.25] },
    masking: { shape: 'block', ratio: [0, 0.3], variance: [0, 0.2] },
    optimizer: { learningRate: 0.001, warmupEpochs: 1 },
    data: { dataset: 'fashion-mnist-subset', heldOut: 'test' },
    run: { outDir, backend: 'auto', maxStepsPerEpoch: 5, knnEveryEpochs: 0, knnBeforeTraining: false, knnOf: ['teacher'], progress: 'lines', plot: false },
  };
}

/** Node's raw [CLS] features of the first held-out images, from the checkpoint's teacher (cpu backend). */
async function nodeClassFeatures(path: string): Promise<{ shape: number[]; values: number[] }> {
  const opened = await openCheckpoint(path, { backend: 'cpu' });
  try {
    const { backbone } = pickBackbone(opened, 'teacher');
    const test = await loadBundledFashionMnist('test');
    const size = test.height * test.width * test.channels;
    const preprocess = evaluationPreprocess(inputOf(opened.method, opened.config));
    const features = tf.tidy(() => {
      const bytes = tf.tensor4d(test.images.subarray(0, FEATURE_IMAGES * size), [FEATURE_IMAGES, test.height, test.width, test.channels], 'float32');
      return backbone.encode(preprocess(tf.div(bytes, 255) as tf.Tensor4D)).classToken;
    });
    const values = [...(await features.data())];
    const shape = [...features.shape];
    features.dispose();
    return { shape, values };
  } finally {
    opened.pretraining.dispose();
  }
}

/** Drops a file on the page, as a user drags one from the desktop. */
async function dropFile(page: import('playwright-core').Page, path: string): Promise<void> {
  const bytes = [...readFileSync(path)];
  const name = path.split('/').at(-1)!;
  const dataTransfer = await page.evaluateHandle(
    ({ bytes, name }) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([new Uint8Array(bytes)], name));
      return transfer;
    },
    { bytes, name },
  );
  await page.dispatchEvent('body', 'drop', { dataTransfer });
}

async function browserClassFeatures(page: import('playwright-core').Page): Promise<{ shape: number[]; values: number[] }> {
  return page.evaluate((count) => window.playground!.classFeatures(count, 'teacher'), FEATURE_IMAGES);
}

describe.skipIf(dist === undefined)('checkpoints between selfsup pretrain and the playground', () => {
  let server: StaticServer;
  let browser: HeadlessChromium;
  let folder: string;
  let cliCheckpoint: string;

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'selfsup-playground-checkpoint-'));
    const config = join(folder, 'tiny-ibot.yaml');
    writeFileSync(config, stringify(tinyRunConfig(join(folder, 'cli-run'))));
    const pretrain = selfsup(['pretrain', '--config', config], folder);
    expect(pretrain.code, pretrain.out).toBe(0);
    const latest = await latestCheckpoint(join(folder, 'cli-run', 'checkpoints'));
    expect(latest).toMatch(/step-10\.safetensors$/);
    cliCheckpoint = latest!;
    server = await serveStatic(dist!);
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('opens a CLI checkpoint with the same [CLS] features as Node, refuses bad files untouched, trains on, keeps the weights when a control moves, and saves one the CLI evaluates and resumes', async () => {
    const page = await browser.context.newPage();
    const log = collectConsole(page);
    try {
      await page.goto(`${server.url}?method=ibot&size=tiny&backend=wasm&autorun=0&knnEvery=5&picturesEvery=5&knnTrain=200&knnTest=100`);
      await waitFor(page, 'the first session', (s) => s.session !== undefined && s.pictures.length > 0, { timeoutMs: 300_000 });

      // open the CLI's checkpoint through the page's file input
      await page.setInputFiles('#checkpoint-file', cliCheckpoint);
      const loaded = await waitFor(page, 'the checkpoint', (s) => s.session?.origin.startsWith('step-10.safetensors') === true, { timeoutMs: 300_000 });
      expect(loaded.session!.iteration).toBe(10);
      expect(loaded.session!.iterationsPerEpoch).toBe(5);
      const browserFeatures = await browserClassFeatures(page);
      const nodeFeatures = await nodeClassFeatures(cliCheckpoint);
      expect(browserFeatures.shape).toEqual([FEATURE_IMAGES, 32]);
      expect(browserFeatures.shape).toEqual(nodeFeatures.shape);
      const worst = Math.max(...browserFeatures.values.map((v, i) => Math.abs(v - nodeFeatures.values[i]!) / Math.max(1, Math.abs(nodeFeatures.values[i]!))));
      console.log(`[CLS] features, wasm in Chromium vs cpu in Node: largest difference ${worst.toExponential(2)} (relative, or absolute below 1)`);
      expect(worst).toBeLessThan(1e-4);

      // bad files: a message each, the running model untouched
      const bytes = readFileSync(cliCheckpoint);
      const truncated = join(folder, 'truncated.safetensors');
      writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
      const plainWeights = join(folder, 'weights-only.safetensors');
      writeFileSync(plainWeights, writeSafetensors(new Map([['blocks.0.attn.qkv.weight', { shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) }]])));
      const otherArchitecture = join(folder, 'other-architecture.safetensors');
      const decoded = decodeCheckpoint(bytes, cliCheckpoint);
      const widened = structuredClone(decoded.metadata.config) as { backbone: { embedDim: number } };
      widened.backbone.embedDim = 48; // the stored configuration now builds a wider ViT than its tensors
      const { checksum: _checksum, ...metadata } = decoded.metadata;
      writeFileSync(otherArchitecture, encodeCheckpoint({ ...metadata, config: widened }, decoded.tensors));
      const refusals: [string, string, RegExp][] = [
        [truncated, 'CHECKPOINT_CORRUPT', /truncated\.safetensors/],
        [plainWeights, 'CHECKPOINT_CORRUPT', /without selfsup training metadata/],
        [otherArchitecture, 'CHECKPOINT_INCOMPATIBLE', /another model: .*shape/],
      ];
      for (const [file, code, message] of refusals) {
        const before = (await snapshot(page)).problems.length;
        if (file === plainWeights) await dropFile(page, file);
        else await page.setInputFiles('#checkpoint-file', file);
        const s = await waitFor(page, `the refusal of ${file}`, (x) => x.problems.length > before, { timeoutMs: 120_000, allowProblems: true });
        const problem = s.problems.at(-1)!;
        expect(problem.code, problem.message).toBe(code);
        expect(problem.message).toMatch(message);
        await expect.poll(() => page.locator('#problems').textContent()).toContain(problem.message.slice(0, 40));
        expect(s.session!.origin).toMatch(/^step-10\.safetensors/);
        expect(await browserClassFeatures(page)).toEqual(browserFeatures);
      }

      // train on from the checkpoint: iBOT's masks, collapse indicators and attention are drawn
      await page.click('#run');
      await waitFor(page, 'five steps from the checkpoint', (s) => s.steps.length >= 5 && s.collapse.some((c) => c.iteration >= 15), {
        timeoutMs: 300_000,
        allowProblems: true,
      });
      const trained = await pause(page, { allowProblems: true });
      expect(trained.steps[0]!.iteration).toBe(10);
      expect(trained.steps.every((s) => Number.isFinite(s.loss))).toBe(true);
      const collapse = trained.collapse.at(-1)!;
      expect(collapse.maxEntropy).toBeCloseTo(Math.log(256), 5);
      expect(collapse.meanEntropy).toBeGreaterThanOrEqual(0);
      expect(collapse.meanEntropy).toBeLessThanOrEqual(collapse.maxEntropy + 1e-6);
      expect(await page.locator('#collapse-verdict').textContent()).toMatch(/collapse/i);
      for (const canvas of ['attention-canvas', 'pca-canvas', 'masks-canvas']) expect((await canvasColours(page, canvas)).colours, canvas).toBeGreaterThan(4);

      // a control rebuilds the method with the same weights and step: raise the teacher temperature
      // (flatter teacher outputs, the way to uniform collapse), and the indicators say so
      const before = await browserClassFeatures(page);
      const entropyBefore = collapse.meanEntropy;
      await page.locator('#control-teacherTemperature').fill('0.3');
      const warmer = await waitFor(page, 'the new temperature', (x) => x.session?.controls.teacherTemperature === 0.3, { timeoutMs: 120_000, allowProblems: true });
      expect(warmer.session!.iteration).toBe(trained.session!.iteration);
      expect(await browserClassFeatures(page)).toEqual(before);
      await page.click('#run');
      const next = Math.ceil((trained.session!.iteration + 1) / 5) * 5;
      await waitFor(page, `the indicators at step ${next}`, (x) => x.collapse.some((c) => c.iteration >= next), { timeoutMs: 300_000, allowProblems: true });
      const hotter = await pause(page, { allowProblems: true });
      expect(hotter.collapse.at(-1)!.meanEntropy).toBeGreaterThan(entropyBefore);

      const screenshot = join(artifactDir(), 'playground-checkpoint.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      if (process.env.SELFSUP_PLAYGROUND_SCREENSHOT) copyFileSync(screenshot, process.env.SELFSUP_PLAYGROUND_SCREENSHOT);

      // save through the page's button: a download
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#save-checkpoint')]);
      const saved = join(folder, download.suggestedFilename());
      await download.saveAs(saved);
      const step = hotter.session!.iteration;
      expect(download.suggestedFilename()).toBe(`playground-ibot-step-${step}.safetensors`);
      const stored = decodeCheckpoint(readFileSync(saved), saved).metadata;
      expect(stored.step).toBe(step);
      expect((stored.config as { loss: { teacherTemperature: number } }).loss.teacherTemperature).toBe(0.3);

      // selfsup eval knn --checkpoint evaluates it
      const knn = selfsup(['eval', 'knn', '--checkpoint', saved, '--json'], folder);
      expect(knn.code, knn.out).toBe(0);
      const result = JSON.parse(knn.out.trim().split('\n').at(-1)!) as { step: number; top1: number };
      expect(result.step).toBe(step);
      expect(result.top1).toBeGreaterThan(10); // above chance (10 classes)

      // selfsup pretrain --resume-from continues it to the end of its epoch
      const epochs = Math.floor(step / 5) + 1;
      const resumed = selfsup(['pretrain', '--resume-from', saved, '--out', join(folder, 'resumed'), '--set', `epochs=${epochs}`], folder);
      expect(resumed.code, resumed.out).toBe(0);
      expect(await latestCheckpoint(join(folder, 'resumed', 'checkpoints'))).toMatch(new RegExp(`step-${epochs * 5}\\.safetensors$`));
    } catch (error) {
      console.log(`browser console:\n${log.slice(-40).join('\n')}`);
      throw error;
    }
  });
});
