import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@selfsup/backend';
import { createRng } from '@selfsup/core';
import { createIbotPretraining, IBOT_FASHION_MNIST_REFERENCE } from '@selfsup/ibot';
import { stepRng, trainStep } from '@selfsup/train';
const threads = Number(process.argv[2] ?? 1);
const batch = Number(process.argv[3] ?? 128);
await useBackend('native', { threads });
const ipe = 468;
const run = createIbotPretraining({ ...IBOT_FASHION_MNIST_REFERENCE, batchSize: batch }, ipe);
const rng = createRng(7);
const images = Uint8Array.from({ length: batch * 28 * 28 }, () => rng.integer(0, 256));
const data = { images, size: batch, height: 28, width: 28, channels: 1 };
let iteration = 0;
const step = () => trainStep(run.recipe, data, { optimizer: run.optimizer, gradients: run.gradients, context: { iteration, epoch: 0, iterationsPerEpoch: ipe, rng: stepRng(0, iteration++) } });
for (let i = 0; i < 3; i++) { const t0 = performance.now(); const c0 = process.cpuUsage(); await step(); const c = process.cpuUsage(c0); console.log(`step ${i}: wall ${((performance.now() - t0) / 1000).toFixed(2)} s, cpu ${((c.user + c.system) / 1e6).toFixed(2)} s`); }
const byKernel = new Map<string, { ms: number; n: number }>();
const t0 = performance.now();
const prof = await tf.profile(async () => { await step(); return []; });
const wall = performance.now() - t0;
let total = 0;
for (const k of prof.kernels) { const e = byKernel.get(k.name) ?? { ms: 0, n: 0 }; e.ms += k.kernelTimeMs as number; e.n++; total += k.kernelTimeMs as number; byKernel.set(k.name, e); }
console.log(`profiled step wall ${wall.toFixed(0)} ms, kernels ${total.toFixed(0)} ms, ${prof.kernels.length} kernel calls`);
for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) console.log(`${name.padEnd(24)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(5)} calls`);
