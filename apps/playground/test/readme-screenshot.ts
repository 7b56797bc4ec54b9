// Takes the README's screenshot of the playground: the built page (npm run build -w apps/playground)
// opens a checkpoint of the iBOT subset example (examples/configs/ibot-fashion-mnist-subset.yaml, 450
// steps; the README main job until issue 18), trains on for a few steps on wasm, and is
// photographed once k-NN, the collapse indicators and the pictures are in.
//
//   node --import tsx test/readme-screenshot.ts runs/ibot-subset/checkpoints/step-450.safetensors ../../docs/images/playground.png
import { join } from 'node:path';
import { launchChromium } from './chromium.js';
import { pause, waitFor } from './playground-page.js';
import { serveStatic } from './static-server.js';

const [checkpoint, out, stepsText = '20'] = process.argv.slice(2);
if (!checkpoint || !out) {
  console.error('usage: node --import tsx test/readme-screenshot.ts <checkpoint.safetensors> <out.png> [steps]');
  process.exit(2);
}
const steps = Number(stepsText);
const server = await serveStatic(join(import.meta.dirname, '..', 'dist'));
const browser = await launchChromium({ webgpu: false });
try {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1240, height: 1000 });
  await page.goto(`${server.url}?method=ibot&size=readme&backend=wasm&autorun=0&knnEvery=${steps}&picturesEvery=5`);
  await waitFor(page, 'the first session', (s) => s.pictures.length > 0, { timeoutMs: 300_000 });
  await page.setInputFiles('#checkpoint-file', checkpoint);
  const loaded = await waitFor(page, 'the checkpoint', (s) => s.session?.origin.includes('.safetensors') === true && s.knn.length > 1, { timeoutMs: 300_000 });
  const from = loaded.session!.iteration;
  await page.click('#run');
  await waitFor(page, `${steps} steps`, (s) => s.knn.some((k) => k.iteration >= from + steps) && s.pictures.some((p) => p >= from + steps), { timeoutMs: 900_000 });
  const done = await pause(page);
  await page.screenshot({ path: out, fullPage: true });
  const knn = done.knn.at(-1)!;
  console.log(`${out}: step ${done.session!.iteration}, k-NN top-1 ${knn.top1.toFixed(1)}%, ${done.steps.at(-1)!.numTensors} tensors`);
} finally {
  await browser.close();
  await server.close();
}
